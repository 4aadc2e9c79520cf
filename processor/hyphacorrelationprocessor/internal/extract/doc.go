// Package extract finds trace context (trace id, span id, trace flags),
// severity, timestamp and service name inside one log record, so that the
// hypha_correlation processor can link the record to its trace. It is the
// collector's hot path: hand-written byte scanning over a string, no
// allocation, no regexp, no reflection, standard library only.
package extract
