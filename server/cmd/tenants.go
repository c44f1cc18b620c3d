package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"consultorio/store"
	"consultorio/tui/i18n"
)

// Tenant administration, written once: `tenants list|show|create|update|
// suspend|activate|delete|restore|domains|move|nodes`. The panel serves it over SSH
// (`ssh panel@host tenants ...`) and the local CLI as `consultorio tenants
// ...`; the doors differ only in what TenantAdmin gives them.

// TenantAdmin is what the tenant administration commands run with.
type TenantAdmin struct {
	// Open gives the database for one command and a function that releases
	// it: the server's own over SSH, one opened for the run by the CLI.
	Open func(ctx context.Context) (db *store.DB, release func(), err error)
	// Actor is who acts, for the operators' audit log.
	Actor store.OperatorActor
	// SSHLine is the connect line for a clinic's user name, from the
	// address the server was started with.
	SSHLine func(user string) string
	// ReadKey reads the value of --admin-key: a file on the operator's
	// machine for the CLI; over SSH "-" (stdin) or the key line itself.
	ReadKey func(stdin io.Reader, arg string) (string, error)
	// ReadMoney reads --monthly-fee (store.ParseMoney, in the operator's
	// language).
	ReadMoney func(string) (decimal.Decimal, error)
	// CreateFlags and AfterCreate let a door add to `create`: the CLI keeps
	// the pool of spare schemas topped up after a creation (the server
	// does it in the background). AfterCreate gets the create command: its
	// context, its stderr, its language.
	CreateFlags func(f *pflag.FlagSet)
	AfterCreate func(c *cobra.Command, db *store.DB)
	// JSONFlag defines --json on the group, for a door whose root has none.
	JSONFlag bool
	Lang     i18n.Lang
}

// tenantAdmin is the panel's: the server's database, the operator whose
// key signed, keys given over stdin or inline.
func (e *Env) tenantAdmin() TenantAdmin {
	return TenantAdmin{
		Open:      func(context.Context) (*store.DB, func(), error) { return e.DB, func() {}, nil },
		Actor:     e.operatorActorOrNil(),
		SSHLine:   e.sshLine,
		ReadKey:   readKeyArg,
		ReadMoney: e.readMoney,
		Lang:      e.lang(),
	}
}

func (e *Env) operatorActorOrNil() store.OperatorActor {
	if e.Operator == nil {
		return store.OperatorActor{} // PersistentPreRunE refuses the command before it runs
	}
	return e.OperatorActor()
}

// with runs do with the database, released afterwards.
func (ta TenantAdmin) with(ctx context.Context, do func(db *store.DB) error) error {
	db, release, err := ta.Open(ctx)
	if err != nil {
		return err
	}
	defer release()
	return do(db)
}

// TenantsCmd is the `tenants` command group.
func TenantsCmd(ta TenantAdmin) *cobra.Command {
	g := &cobra.Command{
		Use:     "tenants",
		Aliases: []string{"tenant"},
		Short:   "Clinics (clients) of the service: list, show, create, update, suspend, activate, delete, restore, domains, export, import, move, nodes",
	}
	if ta.JSONFlag {
		g.PersistentFlags().Bool("json", false, "print JSON instead of text")
	}
	g.AddCommand(tenantsList(ta), tenantsShow(ta), tenantsCreate(ta), tenantsUpdate(ta),
		tenantStatus(ta, "suspend", "Suspend a clinic: its staff cannot log in and its open sessions end", "Clinic %s suspended (status: %s).",
			func(ctx context.Context, db *store.DB, schema string) (store.TenantInfo, error) {
				return db.SuspendTenant(ctx, ta.Actor, schema)
			}),
		tenantStatus(ta, "activate", "Make a suspended or morose clinic active again", "Clinic %s activated (status: %s).",
			func(ctx context.Context, db *store.DB, schema string) (store.TenantInfo, error) {
				return db.ActivateTenant(ctx, ta.Actor, schema)
			}),
		tenantsDelete(ta), tenantsRestore(ta), tenantsDomains(ta), tenantsExport(ta), tenantsImport(ta),
		tenantsMove(ta), tenantsNodes(ta))
	return g
}

// noSuchClinic names the schema when the store does not know it.
func noSuchClinic(schema string, err error) error {
	if errors.Is(err, store.ErrNoSuchTenant) {
		return &store.NotFoundError{What: store.EntityClinic, ID: schema}
	}
	return err
}

func tenantsList(ta TenantAdmin) *cobra.Command {
	var f store.TenantFilter
	c := &cobra.Command{
		Use:   "list [--status S] [--search Q]",
		Short: "List clinics (not archived ones, unless --status says so)",
		Example: `  tenants list
  tenants list --status suspended --json
  tenants list --search medico`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return ta.with(c.Context(), func(db *store.DB) error {
				ts, err := db.ListTenants(c.Context(), f)
				if err != nil {
					return err
				}
				if ts == nil {
					ts = []store.TenantInfo{}
				}
				return output(c, ts, func(w io.Writer) error {
					if len(ts) == 0 {
						return emptyState(w, textsFor(ta.Lang).NoClinics)
					}
					rows := make([][]string, len(ts))
					for i, t := range ts {
						rows[i] = []string{t.Schema, t.Name, t.AdminEmail, term(w, t.Status), strconv.Itoa(t.SpecialistsLimit),
							money(t.MonthlyFee) + " " + t.Currency, orDash(strings.Join(t.Domains, " ")), t.CreatedAt.UTC().Format(dateLayout)}
					}
					return table(w, []string{"SCHEMA", "NAME", "ADMIN", "STATUS", "SPECIALISTS", "FEE", "DOMAINS", "CREATED"}, rows)
				})
			})
		},
	}
	choiceVar(c.Flags(), &f.Status, "status", "only clinics with this status: active, morose, suspended, archived or all",
		"all", store.TenantActive, store.TenantMorose, store.TenantSuspended, store.TenantArchived)
	c.Flags().StringVar(&f.Search, "search", "", "only clinics whose name, schema, admin e-mail or domain contains this")
	return c
}

func tenantsShow(ta TenantAdmin) *cobra.Command {
	return &cobra.Command{
		Use:   "show SCHEMA",
		Short: "Show one clinic (archived ones too)",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, a []string) error {
			return ta.with(c.Context(), func(db *store.DB) error {
				t, err := db.GetTenant(c.Context(), a[0])
				if err != nil {
					return noSuchClinic(a[0], err)
				}
				return printTenant(c, t)
			})
		},
	}
}

func printTenant(c *cobra.Command, t store.TenantInfo) error {
	return output(c, t, func(w io.Writer) error {
		limit := func(p *int) string {
			if p == nil {
				return phrase(w, "no limit")
			}
			return strconv.Itoa(*p)
		}
		status := term(w, t.Status)
		if t.Status == store.TenantSuspended && t.SuspendedByHand {
			status = phrase(w, "%s (by hand)", status)
		}
		pairs := []string{
			"schema", t.Schema, "name", t.Name, "status", status,
			"admin", strings.TrimSpace(t.AdminName + " <" + t.AdminEmail + ">"),
			"domains", orDash(strings.Join(t.Domains, ", ")),
			"specialists limit", strconv.Itoa(t.SpecialistsLimit), "patients limit", limit(t.PatientsLimit),
			"users limit", limit(t.UsersLimit),
			"monthly fee", money(t.MonthlyFee) + " " + t.Currency,
			"timezone", t.Timezone, "language", t.Lang,
			"created", timeUTC(t.CreatedAt),
		}
		if t.LastActivityAt != nil {
			pairs = append(pairs, "last activity", timeUTC(*t.LastActivityAt))
		}
		if t.ArchivedAt != nil {
			pairs = append(pairs, "archived", timeUTC(*t.ArchivedAt))
		}
		return fields(w, pairs...)
	})
}

// CreatedTenant is what `tenants create --json` prints: the new clinic, the
// admin's setup code and the ssh line.
type CreatedTenant struct {
	*store.Provisioned
	SSH string `json:"ssh"`
}

func tenantsCreate(ta TenantAdmin) *cobra.Command {
	var (
		nt  store.NewTenant
		key string
		fee decimal.Decimal
	)
	c := &cobra.Command{
		Use:   "create SCHEMA --name N --admin-email E",
		Short: "Provision a clinic and print its admin's one-time setup code",
		Long: `Provision a clinic (schema, tables, role, domains and its first admin, all or
nothing) and print the admin's one-time setup code (shown only now and sent
in the admin's invitation e-mail) and the ssh line to give the clinic.

The schema name is the clinic's SSH user name: lowercase letters, digits, '-'
and '_', starting with a letter, 3 to 63 bytes.`,
		Example: `  tenants create consultorio-medico --name "Consultorio Médico" \
      --admin-email ana@example.com --domain consultorio-medico.example.com --monthly-fee 150`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, a []string) error {
			nt.Schema = a[0]
			if err := require(c, "name", "admin-email"); err != nil {
				return err
			}
			if err := store.ValidateSchemaName(nt.Schema); err != nil {
				return &UsageError{Msg: c.CommandPath(), Err: err}
			}
			nt.MonthlyFee = fee
			if c.Flags().Changed("admin-key") {
				line, err := ta.ReadKey(c.InOrStdin(), key)
				if err != nil {
					return err
				}
				nt.AdminKey = line
			}
			return ta.with(c.Context(), func(db *store.DB) error {
				p, err := db.CreateTenant(c.Context(), ta.Actor, nt)
				if err != nil {
					return err
				}
				if ta.AfterCreate != nil {
					// After the output: the clinic exists whatever happens there.
					defer ta.AfterCreate(c, db)
				}
				created := CreatedTenant{Provisioned: p, SSH: ta.SSHLine(p.Tenant.Schema)}
				return output(c, created, func(w io.Writer) error {
					t := p.Tenant
					if err := say(w, "Created clinic %q (schema %s).", sanitize(t.Name), t.Schema); err != nil {
						return err
					}
					if len(t.Domains) > 0 {
						if err := say(w, "Domains: %s", sanitize(strings.Join(t.Domains, ", "))); err != nil {
							return err
						}
					}
					if err := say(w, "Admin: %s <%s>", sanitize(t.AdminName), sanitize(t.AdminEmail)); err != nil {
						return err
					}
					if err := say(w, "Setup code (shown only now, valid until %s): %s", timeUTC(p.ExpiresAt), p.SetupCode); err != nil {
						return err
					}
					if err := say(w, "Connect:    %s", created.SSH); err != nil {
						return err
					}
					if nt.AdminKey != "" {
						return say(w, "The admin's key is registered: with it, ssh logs straight in.")
					}
					return say(w, "The admin logs in with the e-mail and the setup code, then chooses a password.")
				})
			})
		},
	}
	f := c.Flags()
	f.StringVar(&nt.Name, "name", "", "the clinic's display name (required)")
	f.StringVar(&nt.AdminEmail, "admin-email", "", "e-mail of the clinic's first administrator (required)")
	f.StringVar(&nt.AdminName, "admin-name", "", "name of the administrator (default: the e-mail)")
	f.StringArrayVar(&nt.Domains, "domain", nil, "a domain of the clinic (repeatable; the first is primary)")
	f.StringVar(&key, "admin-key", "", "the admin's OpenSSH public key (a FILE.pub locally; over SSH - reads it from stdin, or give the key line)")
	countVar(f, &nt.SpecialistsLimit, "specialists-limit", store.DefaultSpecialistsLimit, 1, "active specialists the plan allows")
	optCountVar(f, &nt.PatientsLimit, "patients-limit", 0, "patients the plan allows (default: no limit)")
	optCountVar(f, &nt.UsersLimit, "users-limit", 0, "staff users the plan allows (default: no limit)")
	moneyVar(f, &fee, ta.ReadMoney, "monthly-fee", "monthly fee of the plan, e.g. 150 or 150,50")
	f.StringVar(&nt.Timezone, "timezone", store.DefaultTimezone, "the clinic's time zone (IANA name)")
	f.StringVar(&nt.Currency, "currency", store.DefaultCurrency, "the clinic's currency (ISO code)")
	f.StringVar(&nt.Lang, "lang", store.DefaultLang, "the clinic's language: es or en")
	if ta.CreateFlags != nil {
		ta.CreateFlags(f)
	}
	return c
}

// readKeyArg reads --admin-key over SSH: "-" is one key on stdin; anything
// else must be the key line itself (the server cannot read the operator's
// files).
func readKeyArg(stdin io.Reader, v string) (string, error) {
	line := strings.TrimSpace(v)
	if line == "-" {
		var err error
		if line, err = readKeyLine(stdin); err != nil {
			return "", err
		}
	}
	if _, _, _, err := store.ParsePublicKey(line); err != nil {
		return "", usagef("--admin-key: not an OpenSSH public key; over SSH pass it on stdin: --admin-key - < FILE.pub")
	}
	return line, nil
}

func tenantsUpdate(ta TenantAdmin) *cobra.Command {
	var up store.TenantUpdate
	c := &cobra.Command{
		Use:   "update SCHEMA [flags]",
		Short: "Change a clinic's record: name, admin contact, limits, fee (never the schema name)",
		Example: `  tenants update consultorio-medico --specialists-limit 8 --monthly-fee 220
  tenants update consultorio-medico --patients-limit none`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, a []string) error {
			if up == (store.TenantUpdate{}) {
				return usagef("%s: nothing to change (see: help tenants update)", c.CommandPath())
			}
			return ta.with(c.Context(), func(db *store.DB) error {
				t, err := db.UpdateTenant(c.Context(), ta.Actor, a[0], up)
				if err != nil {
					return noSuchClinic(a[0], err)
				}
				if !wantJSON(c) {
					fmt.Fprintln(c.OutOrStdout(), words{"Clinic %s updated.", []any{t.Schema}}.in(treeLang(c)))
				}
				return printTenant(c, t)
			})
		},
	}
	f := c.Flags()
	optStringVar(f, &up.Name, "name", "the clinic's display name")
	optStringVar(f, &up.AdminEmail, "admin-email", "the admin contact's e-mail")
	optStringVar(f, &up.AdminName, "admin-name", "the admin contact's name")
	optCountVar(f, &up.SpecialistsLimit, "specialists-limit", 0, "active specialists the plan allows")
	f.Var(planLimitValue{&up.PatientsLimit}, "patients-limit", "patients the plan allows, or none")
	f.Var(planLimitValue{&up.UsersLimit}, "users-limit", "staff users the plan allows, or none")
	optMoneyVar(f, &up.MonthlyFee, ta.ReadMoney, "monthly-fee", "monthly fee, e.g. 150 or 150,50")
	optStringVar(f, &up.Timezone, "timezone", "time zone (IANA name)")
	optStringVar(f, &up.Currency, "currency", "currency (ISO code)")
	optStringVar(f, &up.Lang, "lang", "language: es or en")
	return c
}

// tenantStatus makes suspend and activate: one clinic, one change.
// done is the sentence printed after (the schema, the status), English:
// the key of its words in the catalogue.
func tenantStatus(ta TenantAdmin, verb, short, done string,
	do func(context.Context, *store.DB, string) (store.TenantInfo, error)) *cobra.Command {
	return &cobra.Command{
		Use:   verb + " SCHEMA",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, a []string) error {
			return ta.with(c.Context(), func(db *store.DB) error {
				t, err := do(c.Context(), db, a[0])
				if err != nil {
					return noSuchClinic(a[0], err)
				}
				return output(c, t, func(w io.Writer) error {
					return say(w, done, t.Schema, word(t.Status))
				})
			})
		},
	}
}

func tenantsDelete(ta TenantAdmin) *cobra.Command {
	var yes bool
	c := &cobra.Command{
		Use:   "delete SCHEMA --yes",
		Short: "Delete a clinic: archive it (kept until purged; tenants restore undoes it)",
		Long: `Delete a clinic. Its staff are disconnected and cannot log in; its data is
kept: the schema is renamed out of the way until "consultorio tenants purge"
drops it after a grace period, and "tenants restore" brings it back. Needs --yes.`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, a []string) error {
			if !yes {
				return usagef("%s: this archives clinic %q and disconnects its staff; repeat with --yes to confirm", c.CommandPath(), a[0])
			}
			return ta.with(c.Context(), func(db *store.DB) error {
				t, err := db.ArchiveTenant(c.Context(), ta.Actor, a[0])
				if err != nil {
					return noSuchClinic(a[0], err)
				}
				return output(c, t, func(w io.Writer) error {
					return say(w, "Clinic %s archived; its data is kept until purged (tenants restore %s undoes this).", t.Schema, t.Schema)
				})
			})
		},
	}
	c.Flags().BoolVar(&yes, "yes", false, "confirm")
	return c
}

func tenantsRestore(ta TenantAdmin) *cobra.Command {
	return &cobra.Command{
		Use:   "restore SCHEMA",
		Short: "Bring back an archived clinic (and migrate it if it missed migrations)",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, a []string) error {
			ctx := c.Context()
			return ta.with(ctx, func(db *store.DB) error {
				t, err := db.RestoreTenant(ctx, ta.Actor, a[0])
				if err != nil {
					return noSuchClinic(a[0], err)
				}
				// migrate skips archived clinics: catch up now.
				tv, err := db.TenantVersionOf(ctx, t.Schema)
				if err != nil {
					return fmt.Errorf("%s is restored but its version could not be read (run consultorio migrate --schema %s): %w", t.Schema, t.Schema, err)
				}
				applied, err := db.MigrateTenant(ctx, tv)
				if err != nil {
					return fmt.Errorf("%s is restored but its migration failed (run consultorio migrate --schema %s): %w", t.Schema, t.Schema, err)
				}
				return output(c, t, func(w io.Writer) error {
					if err := say(w, "Clinic %s restored (status: %s).", t.Schema, word(t.Status)); err != nil {
						return err
					}
					if applied > 0 {
						return say(w, "Applied %s.", plural(applied, "pending migration", "pending migrations"))
					}
					return nil
				})
			})
		},
	}
}

func tenantsDomains(ta TenantAdmin) *cobra.Command {
	domains := &cobra.Command{Use: "domains", Short: "Add, remove or choose the primary domain of a clinic"}
	for _, d := range []struct {
		verb, short, done string // done: the domain, the clinic, its domains
		do                func(context.Context, *store.DB, string, string) (store.TenantInfo, error)
	}{
		{"add", "Give a clinic another domain", "%s added to %s; domains: %s", func(ctx context.Context, db *store.DB, s, d string) (store.TenantInfo, error) {
			return db.AddDomain(ctx, ta.Actor, s, d)
		}},
		{"remove", "Take a domain from a clinic", "%s removed from %s; domains: %s", func(ctx context.Context, db *store.DB, s, d string) (store.TenantInfo, error) {
			return db.RemoveDomain(ctx, ta.Actor, s, d)
		}},
		{"primary", "Make a domain the clinic's primary one", "%s is now the primary domain of %s; domains: %s", func(ctx context.Context, db *store.DB, s, d string) (store.TenantInfo, error) {
			return db.SetPrimaryDomain(ctx, ta.Actor, s, d)
		}},
	} {
		domains.AddCommand(&cobra.Command{
			Use:   d.verb + " SCHEMA DOMAIN",
			Short: d.short,
			Args:  cobra.ExactArgs(2),
			RunE: func(c *cobra.Command, a []string) error {
				return ta.with(c.Context(), func(db *store.DB) error {
					t, err := d.do(c.Context(), db, a[0], a[1])
					if err != nil {
						return noSuchClinic(a[0], err)
					}
					return output(c, t, func(w io.Writer) error {
						return say(w, d.done, sanitize(a[1]), t.Schema,
							sanitize(strings.Join(t.Domains, ", ")))
					})
				})
			},
		})
	}
	return domains
}

// timeUTC is an instant as the panel prints it.
func timeUTC(t time.Time) string { return t.UTC().Format(timeLayout + " UTC") }

// tenantsMove moves a clinic to another node of a Citus cluster.
func tenantsMove(ta TenantAdmin) *cobra.Command {
	var to string
	c := &cobra.Command{
		Use:   "move SCHEMA --to HOST:PORT",
		Short: "Move a clinic's data to another database node (Citus clusters)",
		Long: `Move a clinic's schema, all its tables, to another worker node of the Citus
cluster (citus_schema_move). The clinic keeps working: reads go on, writes go
on or wait for the copy to end (with wal_level=logical they go on). The
nodes and how many clinics each holds: tenants nodes.`,
		Example: `  tenants move consultorio-medico --to 10.0.0.12:5432`,
		Args:    cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, a []string) error {
			if to == "" {
				return usagef("%s: --to HOST:PORT is required (the nodes: tenants nodes)", c.CommandPath())
			}
			node, err := store.ParseNode(to)
			if err != nil {
				return usagef("%s: --to %q must be HOST:PORT, as tenants nodes lists the nodes", c.CommandPath(), to)
			}
			return ta.with(c.Context(), func(db *store.DB) error {
				mv, err := db.MoveTenant(c.Context(), ta.Actor, a[0], node)
				if err != nil {
					return noSuchClinic(a[0], err)
				}
				return output(c, mv, func(w io.Writer) error {
					if !mv.Moved {
						return say(w, "Clinic %s already is on %s.", mv.Schema, mv.To)
					}
					return say(w, "Clinic %s moved from %s to %s (%s).", mv.Schema, mv.From, mv.To, mv.Mode)
				})
			})
		},
	}
	c.Flags().StringVar(&to, "to", "", "the node to move to, HOST:PORT as tenants nodes lists it")
	return c
}

// tenantsNodes lists the worker nodes of a Citus cluster.
func tenantsNodes(ta TenantAdmin) *cobra.Command {
	return &cobra.Command{
		Use:   "nodes",
		Short: "Database nodes of a Citus cluster and how many clinics each holds",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return ta.with(c.Context(), func(db *store.DB) error {
				nodes, err := db.Nodes(c.Context())
				if err != nil {
					return err
				}
				return output(c, nodes, func(w io.Writer) error {
					for _, n := range nodes {
						if err := say(w, "%-24s %s", n.Node, plural(n.Clinics, "clinic", "clinics")); err != nil {
							return err
						}
					}
					return nil
				})
			})
		},
	}
}
