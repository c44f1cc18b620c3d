package store

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Citus schema-based sharding (docs/SCALING.md). On a Citus coordinator
// every clinic schema is a distributed schema: its tables live together on
// one worker node and every query of one clinic is routed there whole. The
// store finds out by itself (the citus extension is installed in the
// database); nothing is configured. The public schema stays on the
// coordinator as ordinary tables.

// citusInstalled says whether the database is a Citus coordinator.
func citusInstalled(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) (bool, error) {
	var on bool
	if err := q.QueryRow(ctx, `select exists(select 1 from pg_catalog.pg_extension where extname = 'citus')`).Scan(&on); err != nil {
		return false, fmt.Errorf("detect citus: %w", err)
	}
	return on, nil
}

// citusDDL prepares a transaction that creates or migrates clinic schemas
// on a Citus coordinator (nothing on plain PostgreSQL); the settings are
// transaction-local, like every setting the store makes:
//
//   - citus.enable_schema_based_sharding: a schema the transaction creates
//     is a distributed schema, whatever the server's configuration says;
//   - citus.enable_unsafe_triggers: Citus refuses triggers on distributed
//     tables unless told, because a trigger that reaches other tables may
//     reach other nodes. The clinic's triggers (the audit chain) touch only
//     tables of their own schema, which Citus keeps together on one node.
func citusDDL(ctx context.Context, tx pgx.Tx) error {
	on, err := citusInstalled(ctx, tx)
	if err != nil || !on {
		return err
	}
	if _, err := tx.Exec(ctx, `select set_config('citus.enable_schema_based_sharding', 'on', true),
		set_config('citus.enable_unsafe_triggers', 'on', true)`); err != nil {
		return fmt.Errorf("citus settings: %w", err)
	}
	return nil
}

// enterNewTenant points the provisioning transaction at the new clinic's
// schema and, on plain PostgreSQL, its role, so the first writes run with
// the clinic's privileges. On Citus it stays the owner: a write to a
// distributed table as another role opens a new connection to the worker
// as that role, and the role, created or renamed in this very transaction,
// does not exist there until it commits.
func enterNewTenant(ctx context.Context, tx pgx.Tx, schema, role string) error {
	on, err := citusInstalled(ctx, tx)
	if err != nil {
		return err
	}
	if on {
		role = "none"
	}
	_, err = tx.Exec(ctx, "select set_config('search_path', $1, true), set_config('role', $2, true)",
		searchPath(schema), role)
	return err
}

// Node is a database node of a Citus cluster that holds clinics, as
// host:port the way the coordinator knows it (pg_dist_node).
type Node struct {
	Host string `json:"host"`
	Port int    `json:"port"`
}

func (n Node) String() string { return net.JoinHostPort(n.Host, strconv.Itoa(n.Port)) }

// ParseNode reads HOST:PORT.
func ParseNode(s string) (Node, error) {
	host, port, err := net.SplitHostPort(strings.TrimSpace(s))
	p, perr := strconv.Atoi(port)
	if err != nil || host == "" || perr != nil || p <= 0 || p > 65535 {
		return Node{}, invalid("node", ReasonNodeAddress)
	}
	return Node{Host: host, Port: p}, nil
}

// errNotCitus: the operation needs a Citus coordinator.
var errNotCitus = conflict("", ReasonNotCitus)

// NodeLoad is a worker node and the clinics it holds.
type NodeLoad struct {
	Node
	Clinics int `json:"clinics"`
}

// Nodes lists the active worker nodes of the Citus cluster and how many
// clinic schemas each one holds.
func (db *DB) Nodes(ctx context.Context) ([]NodeLoad, error) {
	var out []NodeLoad
	err := db.withAdminConn(ctx, func(conn *pgx.Conn) error {
		on, err := citusInstalled(ctx, conn)
		if err != nil {
			return err
		}
		if !on {
			return errNotCitus
		}
		rows, err := conn.Query(ctx, `
			select n.nodename::text, n.nodeport, count(distinct s.schema_name)::int
			from pg_dist_node n
			left join citus_shards sh on sh.nodename = n.nodename and sh.nodeport = n.nodeport
				and sh.citus_table_type = 'schema'
			left join citus_schemas s on s.colocation_id = sh.colocation_id
			where n.isactive and n.noderole = 'primary' and n.shouldhaveshards
			group by 1, 2 order by 1, 2`)
		if err != nil {
			return fmt.Errorf("list nodes: %w", err)
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (NodeLoad, error) {
			var nl NodeLoad
			err := r.Scan(&nl.Host, &nl.Port, &nl.Clinics)
			return nl, err
		})
		return err
	})
	return out, err
}

// tenantNode is the node that holds a distributed schema's tables.
func tenantNode(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, schema string) (Node, error) {
	var n Node
	err := q.QueryRow(ctx, `
		select sh.nodename::text, sh.nodeport from citus_schemas s
		join citus_shards sh on sh.colocation_id = s.colocation_id
		where s.schema_name = $1::regnamespace limit 1`, pgx.Identifier{schema}.Sanitize()).Scan(&n.Host, &n.Port)
	if errors.Is(err, pgx.ErrNoRows) {
		return Node{}, fmt.Errorf("schema %s is not distributed", schema)
	}
	if err != nil {
		return Node{}, fmt.Errorf("node of %s: %w", schema, err)
	}
	return n, nil
}

// TenantMove is the outcome of MoveTenant.
type TenantMove struct {
	Schema string `json:"schema"`
	From   Node   `json:"from"`
	To     Node   `json:"to"`
	// Mode is Citus's shard transfer mode: "force_logical" (writes go on
	// during the copy) when the cluster has logical WAL, otherwise
	// "block_writes" (the clinic's writes wait until the copy ends).
	Mode  string `json:"mode"`
	Moved bool   `json:"moved"` // false: it already was on that node
}

// MoveTenant moves a clinic's schema, all its tables, to another worker
// node of the Citus cluster (citus_schema_move). The clinic keeps working
// meanwhile: reads go on, and writes either go on (logical replication) or
// wait for the copy to finish; none is lost. The operator audit log records
// the move.
func (db *DB) MoveTenant(ctx context.Context, actor OperatorActor, schema string, to Node) (TenantMove, error) {
	ti, err := db.GetTenant(ctx, schema)
	if err != nil {
		return TenantMove{}, err
	}
	mv := TenantMove{Schema: ti.Schema, To: to}
	err = db.withAdminConn(ctx, func(conn *pgx.Conn) error {
		on, err := citusInstalled(ctx, conn)
		if err != nil {
			return err
		}
		if !on {
			return errNotCitus
		}
		var known bool
		if err := conn.QueryRow(ctx, `select exists(select 1 from pg_dist_node where nodename = $1 and nodeport = $2
				and isactive and noderole = 'primary' and shouldhaveshards)`, to.Host, to.Port).Scan(&known); err != nil {
			return fmt.Errorf("check node: %w", err)
		}
		if !known {
			return invalid("node", ReasonNoNode, to.String())
		}
		if mv.From, err = tenantNode(ctx, conn, ti.Schema); err != nil {
			return err
		}
		if mv.From == to {
			return nil
		}
		var walLevel string
		if err := conn.QueryRow(ctx, `select current_setting('wal_level')`).Scan(&walLevel); err != nil {
			return fmt.Errorf("read wal_level: %w", err)
		}
		mv.Mode = "block_writes"
		if walLevel == "logical" {
			mv.Mode = "force_logical"
		}
		// citus_schema_move commits on the nodes as it goes: it runs on its
		// own, outside a transaction of ours.
		if _, err := conn.Exec(ctx, `select citus_schema_move($1::regnamespace, $2, $3, $4::citus.shard_transfer_mode)`,
			pgx.Identifier{ti.Schema}.Sanitize(), to.Host, to.Port, mv.Mode); err != nil {
			return fmt.Errorf("move %s to %s: %w", ti.Schema, to, err)
		}
		mv.Moved = true
		return inPublic(ctx, conn, func(tx pgx.Tx) error {
			return operatorAudit(ctx, tx, actor, "tenant.move", ti.Schema,
				map[string]string{"node": mv.From.String()}, map[string]string{"node": to.String(), "mode": mv.Mode})
		})
	})
	if err != nil {
		return TenantMove{}, err
	}
	return mv, nil
}
