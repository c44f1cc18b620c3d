package store

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"consultorio/migrations"
)

// pipeline is a list of statements sent in one round trip: every statement
// its own extended-protocol Parse/Bind/Execute, one Sync at the end. A
// multi-statement query string works on plain PostgreSQL but not on a Citus
// coordinator, which refuses some DDL sent that way; one statement per
// message works on both. The server runs them in order and stops at the
// first error; inside the caller's transaction the whole pipeline is still
// all or nothing. Building a clinic's schema is ~150 statements: one round
// trip each cost seconds per clinic on a loaded machine.
type pipeline struct {
	batch  pgconn.Batch
	labels []string // per statement: what an error names (a migration's file)
}

// add queues one statement with text-format parameters; label names the
// statement's origin in an error ("" for none).
func (p *pipeline) add(label, sql string, args ...string) {
	params := make([][]byte, len(args))
	for i, a := range args {
		params[i] = []byte(a)
	}
	p.batch.ExecParams(sql, params, nil, nil, nil)
	p.labels = append(p.labels, label)
}

// addScript queues every statement of an SQL script (migrations.Split).
func (p *pipeline) addScript(label, script string) error {
	stmts, err := migrations.Split(script)
	if err != nil {
		return err
	}
	for _, s := range stmts {
		p.add(label, s)
	}
	return nil
}

// run sends the pipeline on tx's connection and reads every result; the
// first failing statement's error is returned as a *stepError, named by its
// label.
func (p *pipeline) run(ctx context.Context, tx pgx.Tx) error {
	if len(p.labels) == 0 {
		return nil
	}
	results, err := tx.Conn().PgConn().ExecBatch(ctx, &p.batch).ReadAll()
	failed := len(results) // a statement's error ends the reading before its result
	for i, r := range results {
		if r.Err != nil {
			err, failed = r.Err, i
			break
		}
	}
	if err == nil {
		return nil
	}
	label := ""
	if failed < len(p.labels) {
		label = p.labels[failed]
	}
	return &stepError{label: label, err: err}
}

// stepError is the failure of one statement of a pipeline, and the label of
// the statement (its migration's file; "" for none).
type stepError struct {
	label string
	err   error
}

func (e *stepError) Error() string {
	if e.label == "" {
		return e.err.Error()
	}
	return e.label + ": " + e.err.Error()
}

func (e *stepError) Unwrap() error { return e.err }

// execScript runs an SQL script in tx one statement at a time, pipelined
// in one round trip.
func execScript(ctx context.Context, tx pgx.Tx, script string) error {
	var p pipeline
	if err := p.addScript("", script); err != nil {
		return err
	}
	return p.run(ctx, tx)
}
