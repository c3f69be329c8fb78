// Runs one of drorch's generated state machines with aws-local-stepfunctions,
// every Task state answered by an HTTP endpoint that plays the Lambda
// function (the Go tests serve it).
//
//   node harness.mjs DEFINITION.json INPUT.json ENDPOINT [EXECUTION-NAME]
//
// The execution is arn:aws:states:us-west-2:123456789012:execution:
// drorch-local:EXECUTION-NAME (default "harness"), started now.
//
// Prints one JSON object: {"status": "SUCCEEDED"|"FAILED", "output", "error",
// "cause"}.
//
// What aws-local-stepfunctions does not run, and what this harness does
// instead (see the sfn package doc):
//   - A Map's ItemReader (its items read from S3): the harness puts a Task
//     state before the Map that fetches the items from ENDPOINT/s3/BUCKET/KEY
//     with the Map's own Parameters, and points the Map's ItemsPath at them.
//     The Map's Catch covers that Task too, as it covers the reader in AWS.
//   - ProcessorConfig DISTRIBUTED: iterations run inline (the library's Map),
//     so a child's history is not separate; the Go tests count events from
//     the definition instead.
//   - $$.State.RetryCount: the library gives 0; the harness counts instead
//     the failed attempts of a Task whose payload is unchanged since (a
//     retry is invoked with the same input; a new visit of a Step state
//     carries a new memory), and sets the payload's "retries" field.
//   - Wait and Retry delays are overridden to 0 ms: the tests never sleep.
//
// The endpoint protocol: POST ENDPOINT/invoke with the Task's Payload. 200
// answers the function's result. 200 with header X-Amz-Function-Error
// answers a function error {"errorType", "errorMessage"}: the state fails
// with errorType as Error, as Step Functions' lambda:invoke does. 429 is
// Lambda throttling (Lambda.TooManyRequestsException), 5xx a Lambda service
// error (Lambda.ServiceException).

import { readFileSync } from 'node:fs';

if (typeof Promise.withResolvers !== 'function') {
  // Node 20 lacks it; aws-local-stepfunctions 3 uses it for Task timeouts.
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

const { StateMachine, ExecutionError } = await import('aws-local-stepfunctions');

const [definitionFile, inputFile, endpoint, executionName = 'harness'] = process.argv.slice(2);
const definition = JSON.parse(readFileSync(definitionFile, 'utf8'));
const input = JSON.parse(readFileSync(inputFile, 'utf8'));

function stateError(name, message) {
  const e = new Error(message);
  e.name = name;
  return e;
}

async function invoke(payload) {
  let res;
  try {
    res = await fetch(`${endpoint}/invoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
  } catch (err) {
    throw stateError('Lambda.SdkClientException', String(err));
  }
  const text = await res.text();
  if (res.status === 429) throw stateError('Lambda.TooManyRequestsException', text);
  if (res.status >= 500) throw stateError('Lambda.ServiceException', text);
  if (res.status !== 200) throw stateError('Lambda.AWSLambdaException', `${res.status}: ${text}`);
  const body = JSON.parse(text);
  if (res.headers.get('x-amz-function-error')) {
    throw stateError(body.errorType, JSON.stringify(body));
  }
  return { ExecutedVersion: '$LATEST', Payload: body, StatusCode: 200 };
}

// failedAttempts counts, by state and payload, the attempts that failed in
// a row: what $$.State.RetryCount is for the next attempt.
const failedAttempts = new Map();

async function invokeCounting(name, payload) {
  if (payload === null || typeof payload !== 'object' || !('retries' in payload)) return invoke(payload);
  const key = `${name}\u0000${JSON.stringify({ ...payload, retries: 0 })}`;
  const count = failedAttempts.get(key) ?? 0;
  try {
    const out = await invoke({ ...payload, retries: count });
    failedAttempts.delete(key);
    return out;
  } catch (err) {
    failedAttempts.set(key, count + 1);
    throw err;
  }
}

async function getItems(params) {
  const url = `${endpoint}/s3/${encodeURIComponent(params.Bucket)}/${encodeURIComponent(params.Key)}`;
  const res = await fetch(url);
  const text = await res.text();
  if (res.status !== 200) throw stateError('States.ItemReaderFailed', `${res.status}: ${text}`);
  return JSON.parse(text);
}

const handlers = {};
const waits = {};
const retries = {};

// prepare rewrites one definition (and its Maps' processors) in place.
function prepare(def) {
  const readers = {}; // new reader Task states, by name
  const readerOf = {}; // Map state -> its reader
  for (const [name, state] of Object.entries(def.States)) {
    if (state.Type === 'Task') {
      if (handlers[name]) throw new Error(`two Task states named ${name}`);
      handlers[name] = (taskInput) => invokeCounting(name, taskInput.Payload);
      retries[name] = 0;
    }
    if (state.Type === 'Wait') waits[name] = 0;
    if (state.Type === 'Map') {
      prepare(state.ItemProcessor ?? state.Iterator);
      if (state.ItemReader) {
        const reader = `${name} ItemReader`;
        readers[reader] = {
          Type: 'Task',
          Resource: state.ItemReader.Resource,
          Parameters: state.ItemReader.Parameters,
          ResultPath: '$.__items',
          Catch: state.Catch,
          Next: name,
        };
        handlers[reader] = (params) => getItems(params);
        delete state.ItemReader;
        state.ItemsPath = '$.__items';
        readerOf[name] = reader;
      }
    }
  }
  // Everything that led to a Map with an ItemReader now leads to its reader.
  const redirect = (next) => readerOf[next] ?? next;
  for (const state of Object.values(def.States)) {
    if (state.Next) state.Next = redirect(state.Next);
    if (state.Default) state.Default = redirect(state.Default);
    for (const c of state.Choices ?? []) c.Next = redirect(c.Next);
    for (const c of state.Catch ?? []) c.Next = redirect(c.Next);
  }
  def.StartAt = redirect(def.StartAt);
  Object.assign(def.States, readers);
}

prepare(definition);

const machine = new StateMachine(definition, { validationOptions: { checkArn: false, checkPaths: false } });
const execution = machine.run(input, {
  overrides: { taskResourceLocalHandlers: handlers, waitTimeOverrides: waits, retryIntervalOverrides: retries },
  context: {
    Execution: {
      Id: `arn:aws:states:us-west-2:123456789012:execution:drorch-local:${executionName}`,
      Name: executionName,
      StartTime: new Date().toISOString(),
    },
    State: { RetryCount: 0 },
  },
});

let out;
try {
  out = { status: 'SUCCEEDED', output: await execution.result };
} catch (err) {
  const cause = err instanceof ExecutionError ? err.cause : err;
  out = { status: 'FAILED', error: cause?.name ?? String(cause), cause: cause?.message ?? '' };
}
process.stdout.write(`${JSON.stringify(out)}\n`);
