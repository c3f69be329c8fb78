// Checks state machine definitions with asl-validator: node validate.mjs FILE...
// Prints one JSON line per file: {"file", "valid", "errors"}; exits 1 if any
// definition is invalid.
import { readFileSync } from 'node:fs';
import aslValidator from 'asl-validator';

let failed = false;
for (const file of process.argv.slice(2)) {
  const definition = JSON.parse(readFileSync(file, 'utf8'));
  const { isValid, errorsText } = aslValidator(definition);
  failed ||= !isValid;
  console.log(JSON.stringify({ file, valid: isValid, errors: isValid ? '' : errorsText('\n') }));
}
process.exit(failed ? 1 : 0);
