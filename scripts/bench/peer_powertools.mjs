// Dry-run peer for scripts/bench.sh: the stream-recovery handler as a Node.js Lambda
// author would write it with Powertools for AWS Lambda (TypeScript), run on a captured
// event instead of inside Lambda.
//
//   node scripts/bench/peer_powertools.mjs EVENT.json
//
// EVENT.json is one Lambda DynamoDB Streams event ({"Records":[...]}), read whole.
// Powertools' BatchProcessor (EventType.DynamoDBStreams) runs the record handler on each
// record and builds the partial-batch response with processPartialResponse; the handler
// classifies like the reference handler and, being a dry run, calls nobody:
//   - eventName other than INSERT: skipped (success);
//   - INSERT whose NewImage (absent: an empty image) has tenant, taskId and owner of type
//     S, eventSequence of type N parsing as u64 and recordedAtMicros of type N parsing as
//     i64 (Rust from_str: optional sign, '+' only for u64, ASCII digits, no overflow):
//     would be dispatched (success);
//   - any other INSERT: a parse error, thrown, so Powertools lists its SequenceNumber.
// Attributes are read with @aws-sdk/util-dynamodb's unmarshall, numbers wrapped so that
// the N text is checked as written (a JS number would round above 2^53, and the default
// unmarshall refuses such numbers). Powertools leaves out failures without a
// SequenceNumber, as the reference handler does (it cannot name them); it also leaves out
// an empty-string SequenceNumber, which the reference would list: the benchmark's inputs
// have none.
// Prints {"batchItemFailures":[...]} on one line; exits 1 when any record is listed.

import { readFileSync } from 'node:fs';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { unmarshall } from '@aws-sdk/util-dynamodb';

const U64_MAX = 18446744073709551615n;
const I64_MIN = -9223372036854775808n;
const I64_MAX = 9223372036854775807n;

// The attributes the redispatch needs, and what each must be.
const STRING_ATTRS = ['tenant', 'taskId', 'owner'];

// unmarshall's number hook: keep the N value exactly as it came, typed or not.
const keepNumberText = (raw) => ({ numberText: raw });

function fitsU64(text) {
  return typeof text === 'string' && /^\+?[0-9]+$/.test(text) && BigInt(text.replace(/^\+/, '')) <= U64_MAX;
}

function fitsI64(text) {
  if (typeof text !== 'string' || !/^[-+]?[0-9]+$/.test(text)) {
    return false;
  }
  const value = BigInt(text.replace(/^\+/, ''));
  return value >= I64_MIN && value <= I64_MAX;
}

function numberText(value) {
  return value !== null && typeof value === 'object' && 'numberText' in value ? value.numberText : undefined;
}

// Throws, as the handler's parse error, unless the image holds a valid pending dispatch.
function parsePending(image) {
  if (image === null || typeof image !== 'object' || Array.isArray(image)) {
    throw new Error('NEW_IMAGE is not a map');
  }
  const wanted = {};
  for (const key of [...STRING_ATTRS, 'eventSequence', 'recordedAtMicros']) {
    if (!Object.hasOwn(image, key)) {
      throw new Error(`NEW_IMAGE missing required attribute ${key}`);
    }
    wanted[key] = image[key];
  }
  // Only the five attributes are converted: the others are none of the handler's business.
  const item = unmarshall(wanted, { wrapNumbers: keepNumberText });
  for (const key of STRING_ATTRS) {
    if (typeof item[key] !== 'string') {
      throw new Error(`NEW_IMAGE attribute ${key} has wrong type (expected S)`);
    }
  }
  if (!fitsU64(numberText(item.eventSequence))) {
    throw new Error('NEW_IMAGE attribute eventSequence is not a u64 N');
  }
  if (!fitsI64(numberText(item.recordedAtMicros))) {
    throw new Error('NEW_IMAGE attribute recordedAtMicros is not an i64 N');
  }
  return item;
}

async function recordHandler(record) {
  if (record?.eventName !== 'INSERT') {
    return 'skipped';
  }
  parsePending(record.dynamodb?.NewImage ?? {});
  return 'would-dispatch';
}

async function main(argv) {
  if (argv.length !== 1) {
    process.stderr.write('usage: peer_powertools.mjs EVENT.json\n');
    return 2;
  }
  const event = JSON.parse(readFileSync(argv[0], 'utf8'));
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  // In order, one record after the other, as the reference handler's loop; and a batch
  // where every record fails is answered with every record listed, not an exception.
  const response = await processPartialResponse(event, recordHandler, processor, {
    processInParallel: false,
    throwOnFullBatchFailure: false,
  });
  process.stdout.write(`${JSON.stringify(response)}\n`);
  return response.batchItemFailures.length > 0 ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
