// Validates JUnit XML files against an XSD with xmllint (libxml2 compiled
// to WebAssembly: no native build, no download) and prints the result as
// JSON: {"valid": bool, "errors": [...]}.
//
//   node validate-junit.mjs --xsd junit.xsd report.xml [more.xml ...]
import { validateXML } from 'xmllint-wasm';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ options: { xsd: { type: 'string' } }, allowPositionals: true });
if (!values.xsd || positionals.length === 0) {
  console.error('usage: node validate-junit.mjs --xsd SCHEMA FILE...');
  process.exit(2);
}
const res = await validateXML({
  xml: positionals.map((f, i) => ({ fileName: `${i}-${basename(f)}`, contents: readFileSync(f, 'utf8') })),
  schema: [{ fileName: 'junit.xsd', contents: readFileSync(values.xsd, 'utf8') }],
});
process.stdout.write(JSON.stringify({ valid: res.valid, errors: res.errors.map((e) => e.rawMessage) }) + '\n');
