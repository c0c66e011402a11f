// The deepest JSON body an API operation accepts. JSON.parse itself handles any depth, but everything after it that
// walks or re-serialises the value (null stripping, JSON.stringify into the store) recurses and would run
// out of stack on a body of a few hundred kilobytes of brackets: bodies nesting deeper than any API shape
// are refused as malformed first.

/** Far deeper than any Lambda, Scheduler, SQS or CloudWatch Logs request shape (at most ~6 levels). */
export const MAX_JSON_DEPTH = 64;
