package cmd

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"consultorio/store"
)

// Panel: tenants create|update|delete|restore|domains, with the flags and
// semantics of the CLI's `consultorio tenants` (cmd/consultorio/tenants.go),
// so a script can move between the two. A clinic is printed as
// `tenants show` prints it (store.TenantInfo, as the CLI's --json does).
// Differences that SSH imposes: --admin-key reads the key from stdin ("-")
// or takes the key line itself, as the operator's files are not on the
// server; and the pool of spare schemas is the server's to top up.

// tenantsAdminCommands are the panel's tenants subcommands that change
// clinics beyond suspend/activate; tenants.go adds them to its group.
func tenantsAdminCommands(env *Env) []*cobra.Command {
	return []*cobra.Command{tenantsCreateCmd(env), tenantsUpdateCmd(env), tenantsDeleteCmd(env),
		tenantsRestoreCmd(env), tenantsDomainsCmd(env)}
}

// noSuchClinic names the schema when the store does not know it.
func noSuchClinic(schema string, err error) error {
	if errors.Is(err, store.ErrNoSuchTenant) {
		return &shownError{msg: fmt.Sprintf("no such clinic: %q", schema), err: err}
	}
	return err
}

// CreatedTenant is what `tenants create --json` prints: the CLI's shape
// (store.Provisioned and the ssh line).
type CreatedTenant struct {
	*store.Provisioned
	SSH string `json:"ssh"`
}

func tenantsCreateCmd(env *Env) *cobra.Command {
	var (
		nt       store.NewTenant
		key, fee string
		patients int
		users    int
	)
	c := &cobra.Command{
		Use:   "create SCHEMA --name N --admin-email E",
		Short: "Provision a clinic and print its admin's one-time setup code",
		Long: `Provision a clinic (schema, tables, role, domains and its first admin, all or
nothing) and print the admin's one-time setup code (shown only now) and the
ssh line to give the clinic. --admin-key - reads the admin's OpenSSH public
key from stdin (or give the key line itself).`,
		Example: `  ssh panel@host tenants create consultorio-medico --name "Consultorio Médico" \
      --admin-email ana@example.com --domain consultorio-medico.example.com --monthly-fee 150`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, a []string) error {
			nt.Schema = a[0]
			if err := require(c, "name", "admin-email"); err != nil {
				return err
			}
			if err := store.ValidateSchemaName(nt.Schema); err != nil {
				return usagef("tenants create: %s", userMessage(err))
			}
			if given(c, "monthly-fee") {
				d, err := env.moneyFlag("monthly-fee", fee)
				if err != nil {
					return err
				}
				nt.MonthlyFee = d
			}
			if given(c, "specialists-limit") && nt.SpecialistsLimit < 1 {
				return usagef("tenants create: --specialists-limit must be at least 1")
			}
			if given(c, "patients-limit") {
				if patients < 0 {
					return usagef("tenants create: --patients-limit must not be negative")
				}
				nt.PatientsLimit = &patients
			}
			if given(c, "users-limit") {
				if users < 0 {
					return usagef("tenants create: --users-limit must not be negative")
				}
				nt.UsersLimit = &users
			}
			if given(c, "admin-key") {
				line, err := readAdminKey(c.InOrStdin(), key)
				if err != nil {
					return err
				}
				nt.AdminKey = line
			}
			p, err := env.DB.CreateTenant(c.Context(), env.OperatorActor(), nt)
			if err != nil {
				return err
			}
			created := CreatedTenant{Provisioned: p, SSH: sshLine(p.Tenant.Schema)}
			return output(c, created, func(w io.Writer) error {
				t := p.Tenant
				fmt.Fprintf(w, "Created clinic %q (schema %s).\n", sanitize(t.Name), t.Schema)
				if len(t.Domains) > 0 {
					fmt.Fprintf(w, "Domains: %s\n", sanitize(strings.Join(t.Domains, ", ")))
				}
				fmt.Fprintf(w, "Admin: %s <%s>\n", sanitize(t.AdminName), sanitize(t.AdminEmail))
				fmt.Fprintf(w, "Setup code (shown only now, valid until %s): %s\n",
					p.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC"), p.SetupCode)
				fmt.Fprintf(w, "Connect:    %s\n", created.SSH)
				if nt.AdminKey != "" {
					fmt.Fprintln(w, "The admin's key is registered: with it, ssh logs straight in.")
				} else {
					fmt.Fprintln(w, "The admin logs in with the e-mail and the setup code, then chooses a password.")
				}
				return nil
			})
		},
	}
	f := c.Flags()
	f.StringVar(&nt.Name, "name", "", "the clinic's display name (required)")
	f.StringVar(&nt.AdminEmail, "admin-email", "", "e-mail of the clinic's first administrator (required)")
	f.StringVar(&nt.AdminName, "admin-name", "", "name of the administrator (default: the e-mail)")
	f.StringArrayVar(&nt.Domains, "domain", nil, "a domain of the clinic (repeatable; the first is primary)")
	f.StringVar(&key, "admin-key", "", "the admin's OpenSSH public key: - reads it from stdin, or the key line itself")
	f.IntVar(&nt.SpecialistsLimit, "specialists-limit", store.DefaultSpecialistsLimit, "active specialists the plan allows")
	f.IntVar(&patients, "patients-limit", 0, "patients the plan allows (default: no limit)")
	f.IntVar(&users, "users-limit", 0, "staff users the plan allows (default: no limit)")
	f.StringVar(&fee, "monthly-fee", "0", "monthly fee of the plan, e.g. 150 or 150,50")
	f.StringVar(&nt.Timezone, "timezone", store.DefaultTimezone, "the clinic's time zone (IANA name)")
	f.StringVar(&nt.Currency, "currency", store.DefaultCurrency, "the clinic's currency (ISO code)")
	f.StringVar(&nt.Lang, "lang", store.DefaultLang, "the clinic's language: es or en")
	return c
}

// readAdminKey reads --admin-key: "-" is one key on stdin; anything else
// must be the key line itself (the server cannot read the operator's files).
func readAdminKey(stdin io.Reader, v string) (string, error) {
	line := strings.TrimSpace(v)
	if line == "-" {
		b, err := io.ReadAll(io.LimitReader(stdin, 64<<10))
		if err != nil {
			return "", fmt.Errorf("read the admin's key from stdin: %w", err)
		}
		line = strings.TrimSpace(string(b))
		if line == "" {
			return "", usagef("--admin-key -: no public key on stdin")
		}
	}
	if _, _, _, err := store.ParsePublicKey(line); err != nil {
		return "", usagef("--admin-key: not an OpenSSH public key; over SSH pass it on stdin: --admin-key - < FILE.pub")
	}
	return line, nil
}

func tenantsUpdateCmd(env *Env) *cobra.Command {
	var (
		name, email, adminName string
		fee, tz, cur, lang     string
		specialists            int
		patients, users        string
	)
	c := &cobra.Command{
		Use:   "update SCHEMA [flags]",
		Short: "Change a clinic's record: name, admin contact, limits, fee (never the schema name)",
		Example: `  ssh panel@host tenants update consultorio-medico --specialists-limit 8 --monthly-fee 220
  ssh panel@host tenants update consultorio-medico --patients-limit none`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, a []string) error {
			var up store.TenantUpdate
			set := func(flag string, dst **string, v *string) {
				if given(c, flag) {
					*dst = v
				}
			}
			set("name", &up.Name, &name)
			set("admin-email", &up.AdminEmail, &email)
			set("admin-name", &up.AdminName, &adminName)
			set("timezone", &up.Timezone, &tz)
			set("currency", &up.Currency, &cur)
			set("lang", &up.Lang, &lang)
			if given(c, "specialists-limit") {
				if specialists < 0 {
					return usagef("tenants update: --specialists-limit must not be negative")
				}
				up.SpecialistsLimit = &specialists
			}
			for _, l := range []struct {
				flag, val string
				dst       **int
			}{{"patients-limit", patients, &up.PatientsLimit}, {"users-limit", users, &up.UsersLimit}} {
				if !given(c, l.flag) {
					continue
				}
				n, err := parsePlanLimit(l.flag, l.val)
				if err != nil {
					return err
				}
				*l.dst = &n
			}
			if given(c, "monthly-fee") {
				d, err := env.moneyFlag("monthly-fee", fee)
				if err != nil {
					return err
				}
				up.MonthlyFee = &d
			}
			if up == (store.TenantUpdate{}) {
				return usagef("tenants update: nothing to change (see: help tenants update)")
			}
			t, err := env.DB.UpdateTenant(c.Context(), env.OperatorActor(), a[0], up)
			if err != nil {
				return noSuchClinic(a[0], err)
			}
			if !wantJSON(c) {
				fmt.Fprintf(c.OutOrStdout(), "Clinic %s updated.\n", t.Schema)
			}
			return printTenant(c, t)
		},
	}
	f := c.Flags()
	f.StringVar(&name, "name", "", "the clinic's display name")
	f.StringVar(&email, "admin-email", "", "the admin contact's e-mail")
	f.StringVar(&adminName, "admin-name", "", "the admin contact's name")
	f.IntVar(&specialists, "specialists-limit", 0, "active specialists the plan allows")
	f.StringVar(&patients, "patients-limit", "", "patients the plan allows, or none")
	f.StringVar(&users, "users-limit", "", "staff users the plan allows, or none")
	f.StringVar(&fee, "monthly-fee", "", "monthly fee, e.g. 150 or 150,50")
	f.StringVar(&tz, "timezone", "", "time zone (IANA name)")
	f.StringVar(&cur, "currency", "", "currency (ISO code)")
	f.StringVar(&lang, "lang", "", "language: es or en")
	return c
}

// parsePlanLimit reads a plan limit: a number, or "none" (no limit: -1 for
// the store).
func parsePlanLimit(flag, s string) (int, error) {
	if strings.EqualFold(strings.TrimSpace(s), "none") {
		return -1, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 {
		return 0, usagef("--%s: %q is not a number or none", flag, s)
	}
	return n, nil
}

func tenantsDeleteCmd(env *Env) *cobra.Command {
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
				return usagef("tenants delete: this archives clinic %q and disconnects its staff; repeat with --yes to confirm", a[0])
			}
			t, err := env.DB.ArchiveTenant(c.Context(), env.OperatorActor(), a[0])
			if err != nil {
				return noSuchClinic(a[0], err)
			}
			return output(c, t, func(w io.Writer) error {
				_, err := fmt.Fprintf(w, "Clinic %s archived; its data is kept until purged (tenants restore %s undoes this).\n", t.Schema, t.Schema)
				return err
			})
		},
	}
	c.Flags().BoolVar(&yes, "yes", false, "confirm")
	return c
}

func tenantsRestoreCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "restore SCHEMA",
		Short: "Bring back an archived clinic (and migrate it if it missed migrations)",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, a []string) error {
			ctx := c.Context()
			t, err := env.DB.RestoreTenant(ctx, env.OperatorActor(), a[0])
			if err != nil {
				return noSuchClinic(a[0], err)
			}
			// migrate skips archived clinics: catch up now, as the CLI does.
			tv, err := env.DB.TenantVersionOf(ctx, t.Schema)
			if err != nil {
				return fmt.Errorf("%s is restored but its version could not be read (run consultorio migrate --schema %s): %w", t.Schema, t.Schema, err)
			}
			applied, err := env.DB.MigrateTenant(ctx, tv)
			if err != nil {
				return fmt.Errorf("%s is restored but its migration failed (run consultorio migrate --schema %s): %w", t.Schema, t.Schema, err)
			}
			return output(c, t, func(w io.Writer) error {
				fmt.Fprintf(w, "Clinic %s restored (status: %s).\n", t.Schema, t.Status)
				if applied > 0 {
					fmt.Fprintf(w, "Applied %s.\n", plural(applied, "pending migration", "pending migrations"))
				}
				return nil
			})
		},
	}
}

func tenantsDomainsCmd(env *Env) *cobra.Command {
	domains := &cobra.Command{Use: "domains", Short: "Add, remove or choose the primary domain of a clinic"}
	for _, d := range []struct {
		verb, short, past string
		do                func(*cobra.Command, string, string) (store.TenantInfo, error)
	}{
		{"add", "Give a clinic another domain", "added to", func(c *cobra.Command, s, d string) (store.TenantInfo, error) {
			return env.DB.AddDomain(c.Context(), env.OperatorActor(), s, d)
		}},
		{"remove", "Take a domain from a clinic", "removed from", func(c *cobra.Command, s, d string) (store.TenantInfo, error) {
			return env.DB.RemoveDomain(c.Context(), env.OperatorActor(), s, d)
		}},
		{"primary", "Make a domain the clinic's primary one", "is now the primary domain of", func(c *cobra.Command, s, d string) (store.TenantInfo, error) {
			return env.DB.SetPrimaryDomain(c.Context(), env.OperatorActor(), s, d)
		}},
	} {
		domains.AddCommand(&cobra.Command{
			Use:   d.verb + " SCHEMA DOMAIN",
			Short: d.short,
			Args:  cobra.ExactArgs(2),
			RunE: func(c *cobra.Command, a []string) error {
				t, err := d.do(c, a[0], a[1])
				if err != nil {
					return noSuchClinic(a[0], err)
				}
				return output(c, t, func(w io.Writer) error {
					_, err := fmt.Fprintf(w, "%s %s %s; domains: %s\n", sanitize(a[1]), d.past, t.Schema,
						sanitize(strings.Join(t.Domains, ", ")))
					return err
				})
			},
		})
	}
	return domains
}

// sshLine is what an operator gives a new clinic: "ssh -p PORT
// <schema>@host", as the panel's TUI shows it (tui/clients_table.go): the
// port from CONSULTORIO_LISTEN (2222 by default) and the host too when it
// names one a clinic can reach; otherwise "<host>" for the operator to fill
// in.
func sshLine(schema string) string {
	host, port := "<host>", "2222"
	if v := strings.TrimSpace(os.Getenv("CONSULTORIO_LISTEN")); v != "" {
		if h, p, err := net.SplitHostPort(v); err == nil {
			if p != "" {
				port = p
			}
			if ip := net.ParseIP(h); h != "" && h != "localhost" && (ip == nil || !(ip.IsUnspecified() || ip.IsLoopback())) {
				host = h
			}
		}
	}
	return fmt.Sprintf("ssh -p %s %s@%s", port, schema, host)
}
