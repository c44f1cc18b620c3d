package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"consultorio/store"
	"consultorio/tui/i18n"
)

func newTenantsCmd(cfg *config) *cobra.Command {
	cmd := group(&cobra.Command{
		Use:     "tenants",
		Aliases: []string{"tenant"},
		Short:   "Manage clinics (tenants): list, show, create, update, suspend, activate, delete",
	})
	cmd.AddCommand(
		newTenantsListCmd(cfg),
		newTenantsShowCmd(cfg),
		newTenantsCreateCmd(cfg),
		newTenantsUpdateCmd(cfg),
		newTenantStatusCmd(cfg, "suspend", "Suspend a clinic: its staff cannot log in and open sessions end", "suspended",
			func(ctx context.Context, db *store.DB, schema string) (store.TenantInfo, error) {
				return db.SuspendTenant(ctx, store.CLI, schema)
			}),
		newTenantStatusCmd(cfg, "activate", "Activate a suspended or morose clinic", "activated",
			func(ctx context.Context, db *store.DB, schema string) (store.TenantInfo, error) {
				return db.ActivateTenant(ctx, store.CLI, schema)
			}),
		newTenantsDeleteCmd(cfg),
		newTenantsRestoreCmd(cfg),
		newTenantsPurgeCmd(cfg),
		newTenantsDomainsCmd(cfg),
	)
	return cmd
}

// tenantErr names the clinic in a store error.
func tenantErr(op, schema string, err error) error {
	if errors.Is(err, store.ErrNoSuchTenant) {
		return fmt.Errorf("%s: no clinic with schema %q", op, schema)
	}
	return fmt.Errorf("%s %s: %w", op, schema, err)
}

func newTenantsListCmd(cfg *config) *cobra.Command {
	var (
		f          store.TenantFilter
		jsonOutput bool
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List clinics (not archived ones, unless --status says so)",
		Example: `  consultorio tenants list
  consultorio tenants list --status suspended --json
  consultorio tenants list --search medico`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			switch f.Status {
			case "", "all", store.TenantActive, store.TenantMorose, store.TenantSuspended, store.TenantArchived:
			default:
				return usagef("tenants list: --status must be active, morose, suspended, archived or all")
			}
			db, err := cfg.open(c.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			ts, err := db.ListTenants(c.Context(), f)
			if err != nil {
				return fmt.Errorf("tenants list: %w", err)
			}
			if jsonOutput {
				if ts == nil {
					ts = []store.TenantInfo{}
				}
				return writeJSON(c.OutOrStdout(), ts)
			}
			if len(ts) == 0 {
				fmt.Fprintln(c.OutOrStdout(), "no clinics")
				return nil
			}
			rows := make([][]string, len(ts))
			for i, t := range ts {
				rows[i] = []string{t.Schema, t.Name, t.AdminEmail, t.Status, strconv.Itoa(t.SpecialistsLimit),
					store.MoneyOf(t.MonthlyFee).String() + " " + t.Currency, strings.Join(t.Domains, " "), t.CreatedAt.Local().Format("2006-01-02")}
			}
			return table(c.OutOrStdout(), []string{"SCHEMA", "NAME", "ADMIN", "STATUS", "SPECIALISTS", "FEE", "DOMAINS", "CREATED"}, rows)
		},
	}
	cmd.Flags().StringVar(&f.Status, "status", "", "only clinics with this status: active, morose, suspended, archived, or all")
	cmd.Flags().StringVar(&f.Search, "search", "", "only clinics whose name, schema, admin e-mail or domain contains this")
	cmd.Flags().BoolVar(&jsonOutput, "json", false, "print JSON")
	return cmd
}

func newTenantsShowCmd(cfg *config) *cobra.Command {
	var jsonOutput bool
	cmd := &cobra.Command{
		Use:   "show <schema>",
		Short: "Show one clinic (archived ones too)",
		Args:  args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, a []string) error {
			db, err := cfg.open(c.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			t, err := db.GetTenant(c.Context(), a[0])
			if err != nil {
				return tenantErr("tenants show", a[0], err)
			}
			return printTenant(c.OutOrStdout(), t, jsonOutput)
		},
	}
	cmd.Flags().BoolVar(&jsonOutput, "json", false, "print JSON")
	return cmd
}

func printTenant(w io.Writer, t store.TenantInfo, asJSON bool) error {
	if asJSON {
		return writeJSON(w, t)
	}
	limit := func(p *int) string {
		if p == nil {
			return "no limit"
		}
		return strconv.Itoa(*p)
	}
	status := t.Status
	if t.Status == store.TenantSuspended && t.SuspendedByHand {
		status += " (by hand)"
	}
	kv := [][2]string{
		{"Schema", t.Schema},
		{"Name", t.Name},
		{"Status", status},
		{"Admin", t.AdminName + " <" + t.AdminEmail + ">"},
		{"Domains", strings.Join(t.Domains, ", ")},
		{"Specialists limit", strconv.Itoa(t.SpecialistsLimit)},
		{"Patients limit", limit(t.PatientsLimit)},
		{"Users limit", limit(t.UsersLimit)},
		{"Monthly fee", store.MoneyOf(t.MonthlyFee).String() + " " + t.Currency},
		{"Time zone", t.Timezone},
		{"Language", t.Lang},
		{"Created", t.CreatedAt.Local().Format("2006-01-02 15:04")},
		{"Last activity", when(t.LastActivityAt)},
	}
	if t.ArchivedAt != nil {
		kv = append(kv, [2]string{"Archived", when(t.ArchivedAt)})
	}
	return fields(w, kv)
}

func newTenantsUpdateCmd(cfg *config) *cobra.Command {
	var (
		up                     store.TenantUpdate
		name, email, adminName string
		fee, tz, cur, lang     string
		specialists            int
		patients, users        string
		jsonOutput             bool
	)
	cmd := &cobra.Command{
		Use:   "update <schema> [flags]",
		Short: "Change a clinic's record: name, admin contact, limits, fee (never the schema name)",
		Example: `  consultorio tenants update consultorio-medico --specialists-limit 8 --monthly-fee 220
  consultorio tenants update consultorio-medico --patients-limit none`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, a []string) error {
			fl := c.Flags()
			set := func(flag string, dst **string, v *string) {
				if fl.Changed(flag) {
					*dst = v
				}
			}
			set("name", &up.Name, &name)
			set("admin-email", &up.AdminEmail, &email)
			set("admin-name", &up.AdminName, &adminName)
			set("timezone", &up.Timezone, &tz)
			set("currency", &up.Currency, &cur)
			set("lang", &up.Lang, &lang)
			if fl.Changed("specialists-limit") {
				if specialists < 0 {
					return usagef("tenants update: --specialists-limit must not be negative")
				}
				up.SpecialistsLimit = &specialists
			}
			for _, l := range []struct {
				flag string
				val  string
				dst  **int
			}{{"patients-limit", patients, &up.PatientsLimit}, {"users-limit", users, &up.UsersLimit}} {
				if !fl.Changed(l.flag) {
					continue
				}
				n, err := parseLimit(l.val)
				if err != nil {
					return usagef("tenants update: --%s: %v", l.flag, err)
				}
				*l.dst = &n
			}
			if fl.Changed("monthly-fee") {
				d, err := i18n.NewLocale(i18n.EN, "", nil).ReadMoney(fee) // the local CLI speaks English
				if err != nil {
					return usagef("tenants update: --monthly-fee: %v", err)
				}
				up.MonthlyFee = &d
			}
			if up == (store.TenantUpdate{}) {
				return usagef("tenants update: nothing to change (see --help for the flags)")
			}
			db, err := cfg.open(c.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			t, err := db.UpdateTenant(c.Context(), store.CLI, a[0], up)
			if err != nil {
				return tenantErr("tenants update", a[0], err)
			}
			if !jsonOutput {
				fmt.Fprintf(c.OutOrStdout(), "Clinic %s updated.\n", t.Schema)
			}
			return printTenant(c.OutOrStdout(), t, jsonOutput)
		},
	}
	f := cmd.Flags()
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
	f.BoolVar(&jsonOutput, "json", false, "print the clinic as JSON")
	return cmd
}

// parseLimit reads a plan limit: a number, or "none" (no limit: -1 for the store).
func parseLimit(s string) (int, error) {
	if strings.EqualFold(strings.TrimSpace(s), "none") {
		return -1, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a number or none", s)
	}
	return n, nil
}

// newTenantStatusCmd makes suspend and activate: one clinic, one change.
func newTenantStatusCmd(cfg *config, verb, short, past string,
	do func(context.Context, *store.DB, string) (store.TenantInfo, error)) *cobra.Command {
	var jsonOutput bool
	cmd := &cobra.Command{
		Use:   verb + " <schema>",
		Short: short,
		Args:  args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, a []string) error {
			db, err := cfg.open(c.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			t, err := do(c.Context(), db, a[0])
			if err != nil {
				return tenantErr("tenants "+verb, a[0], err)
			}
			if jsonOutput {
				return writeJSON(c.OutOrStdout(), t)
			}
			fmt.Fprintf(c.OutOrStdout(), "Clinic %s %s (status: %s).\n", t.Schema, past, t.Status)
			return nil
		},
	}
	cmd.Flags().BoolVar(&jsonOutput, "json", false, "print the clinic as JSON")
	return cmd
}

func newTenantsDeleteCmd(cfg *config) *cobra.Command {
	var yes, jsonOutput bool
	cmd := &cobra.Command{
		Use:   "delete <schema> --yes",
		Short: "Delete a clinic: archive it (schema kept aside until purged; tenants restore undoes it)",
		Long: `Delete a clinic. Its staff are disconnected and cannot log in; its data is
kept: the schema is renamed out of the way until "tenants purge" drops it
after a grace period, and "tenants restore" brings it back. Needs --yes.`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, a []string) error {
			if !yes {
				return usagef("tenants delete: this archives clinic %q and disconnects its staff; repeat with --yes to confirm", a[0])
			}
			db, err := cfg.open(c.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			t, err := db.ArchiveTenant(c.Context(), store.CLI, a[0])
			if err != nil {
				return tenantErr("tenants delete", a[0], err)
			}
			if jsonOutput {
				return writeJSON(c.OutOrStdout(), t)
			}
			fmt.Fprintf(c.OutOrStdout(), "Clinic %s archived; its data is kept until purged (consultorio tenants restore %s undoes this).\n", t.Schema, t.Schema)
			return nil
		},
	}
	cmd.Flags().BoolVar(&yes, "yes", false, "confirm")
	cmd.Flags().BoolVar(&jsonOutput, "json", false, "print the clinic as JSON")
	return cmd
}

func newTenantsRestoreCmd(cfg *config) *cobra.Command {
	var jsonOutput bool
	cmd := &cobra.Command{
		Use:   "restore <schema>",
		Short: "Bring back an archived clinic (and migrate it if it missed migrations)",
		Args:  args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, a []string) error {
			ctx := c.Context()
			db, err := cfg.open(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			t, err := db.RestoreTenant(ctx, store.CLI, a[0])
			if err != nil {
				return tenantErr("tenants restore", a[0], err)
			}
			// migrate skips archived clinics: catch up now.
			tv, err := db.TenantVersionOf(ctx, t.Schema)
			if err != nil {
				return tenantErr("tenants restore", a[0], err)
			}
			applied, err := db.MigrateTenant(ctx, tv)
			if err != nil {
				return fmt.Errorf("tenants restore: %s is restored but its migration failed (run consultorio migrate --schema %s): %w", t.Schema, t.Schema, err)
			}
			if jsonOutput {
				return writeJSON(c.OutOrStdout(), t)
			}
			fmt.Fprintf(c.OutOrStdout(), "Clinic %s restored (status: %s).\n", t.Schema, t.Status)
			if applied > 0 {
				fmt.Fprintf(c.OutOrStdout(), "Applied %d pending %s.\n", applied, plural(applied, "migration", "migrations"))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&jsonOutput, "json", false, "print the clinic as JSON")
	return cmd
}

func newTenantsPurgeCmd(cfg *config) *cobra.Command {
	var (
		older      string
		yes        bool
		jsonOutput bool
	)
	cmd := &cobra.Command{
		Use:   "purge --older-than DURATION --yes",
		Short: "Drop for good the clinics archived at least DURATION ago (e.g. 30d, 720h)",
		Args:  args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			if err := requireFlags(c, "older-than"); err != nil {
				return err
			}
			d, err := parseAge(older)
			if err != nil {
				return usagef("tenants purge: --older-than: %v", err)
			}
			if !yes {
				return usagef("tenants purge: this drops the data of clinics archived more than %s ago for good; repeat with --yes to confirm", older)
			}
			db, err := cfg.open(c.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			purged, err := db.PurgeArchivedTenants(c.Context(), store.CLI, d)
			if purged == nil {
				purged = []string{}
			}
			if jsonOutput {
				if werr := writeJSON(c.OutOrStdout(), purged); werr != nil {
					return werr
				}
			} else {
				for _, s := range purged {
					fmt.Fprintf(c.OutOrStdout(), "purged %s\n", s)
				}
				fmt.Fprintf(c.OutOrStdout(), "%d %s purged.\n", len(purged), plural(len(purged), "clinic", "clinics"))
			}
			if err != nil {
				return fmt.Errorf("tenants purge: %w", err)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&older, "older-than", "", "archived at least this long ago: 30d, 12h, 90m (required)")
	cmd.Flags().BoolVar(&yes, "yes", false, "confirm")
	cmd.Flags().BoolVar(&jsonOutput, "json", false, "print the purged schemas as JSON")
	return cmd
}

// parseAge reads a duration that may also be given in days ("30d").
func parseAge(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 {
			return 0, fmt.Errorf("%q is not a duration like 30d or 12h", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a duration like 30d or 12h", s)
	}
	return d, nil
}

func newTenantsDomainsCmd(cfg *config) *cobra.Command {
	cmd := group(&cobra.Command{
		Use:   "domains",
		Short: "Add, remove or choose the primary domain of a clinic",
	})
	for _, d := range []struct {
		verb, short, past string
		do                func(context.Context, *store.DB, string, string) (store.TenantInfo, error)
	}{
		{"add", "Give a clinic another domain", "added to", func(ctx context.Context, db *store.DB, s, d string) (store.TenantInfo, error) {
			return db.AddDomain(ctx, store.CLI, s, d)
		}},
		{"remove", "Take a domain from a clinic", "removed from", func(ctx context.Context, db *store.DB, s, d string) (store.TenantInfo, error) {
			return db.RemoveDomain(ctx, store.CLI, s, d)
		}},
		{"primary", "Make a domain the clinic's primary one", "is now the primary domain of", func(ctx context.Context, db *store.DB, s, d string) (store.TenantInfo, error) {
			return db.SetPrimaryDomain(ctx, store.CLI, s, d)
		}},
	} {
		cmd.AddCommand(&cobra.Command{
			Use:   d.verb + " <schema> <domain>",
			Short: d.short,
			Args:  args(cobra.ExactArgs(2)),
			RunE: func(c *cobra.Command, a []string) error {
				db, err := cfg.open(c.Context())
				if err != nil {
					return err
				}
				defer db.Close()
				t, err := d.do(c.Context(), db, a[0], a[1])
				if err != nil {
					return tenantErr("tenants domains "+d.verb, a[0], err)
				}
				fmt.Fprintf(c.OutOrStdout(), "%s %s %s; domains: %s\n", a[1], d.past, t.Schema, cell(strings.Join(t.Domains, ", ")))
				return nil
			},
		})
	}
	return cmd
}

func newTenantsCreateCmd(cfg *config) *cobra.Command {
	var (
		nt         store.NewTenant
		keyFile    string
		fee        string
		patients   int
		users      int
		jsonOutput bool
		spares     int
	)
	cmd := &cobra.Command{
		Use:   "create <schema> --name N --admin-email E",
		Short: "Provision a clinic: schema, tables, role, domains and its first admin (all or nothing)",
		Long: `Provision a clinic in one transaction and print the admin's one-time
setup code (shown once: only its hash is stored) and the ssh line to connect.

The schema name is the clinic's SSH user name: lowercase letters, digits, '-'
and '_', starting with a letter, 3 to 63 bytes.`,
		Example: `  consultorio tenants create consultorio-medico --name "Consultorio Médico" \
      --admin-email ana@example.com --domain consultorio-medico.example.com`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, a []string) error {
			nt.Schema = a[0]
			if err := requireFlags(c, "name", "admin-email"); err != nil {
				return err
			}
			if err := store.ValidateSchemaName(nt.Schema); err != nil {
				return usagef("tenants create: %v", err)
			}
			if err := checkSpares("tenants create", spares); err != nil {
				return err
			}
			if c.Flags().Changed("monthly-fee") {
				d, err := i18n.NewLocale(i18n.EN, "", nil).ReadMoney(fee) // the local CLI speaks English
				if err != nil {
					return usagef("tenants create: --monthly-fee: %v", err)
				}
				nt.MonthlyFee = d
			}
			if c.Flags().Changed("specialists-limit") && nt.SpecialistsLimit < 1 {
				return usagef("tenants create: --specialists-limit must be at least 1")
			}
			if c.Flags().Changed("patients-limit") {
				nt.PatientsLimit = &patients
			}
			if c.Flags().Changed("users-limit") {
				nt.UsersLimit = &users
			}
			if keyFile != "" {
				key, err := readKeyFile(c.InOrStdin(), keyFile)
				if err != nil {
					return usagef("tenants create: --admin-key: %v", err)
				}
				nt.AdminKey = key
			}
			db, err := cfg.open(c.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			p, err := db.CreateTenant(c.Context(), store.CLI, nt)
			if err != nil {
				return fmt.Errorf("tenants create: %w", err)
			}
			// After the output: the pool is refilled for the next creation.
			defer topUpAfterCreate(c.Context(), db, spares, c.ErrOrStderr())
			ssh := cfg.sshLine(p.Tenant.Schema)
			if jsonOutput {
				return writeJSON(c.OutOrStdout(), struct {
					*store.Provisioned
					SSH string `json:"ssh"`
				}{p, ssh})
			}
			printProvisioned(c.OutOrStdout(), p, ssh, nt.AdminKey != "")
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&nt.Name, "name", "", "the clinic's display name (required)")
	f.StringVar(&nt.AdminEmail, "admin-email", "", "e-mail of the clinic's first administrator (required)")
	f.StringVar(&nt.AdminName, "admin-name", "", "name of the administrator (default: the e-mail)")
	f.StringArrayVar(&nt.Domains, "domain", nil, "a domain of the clinic (repeatable; the first is primary)")
	f.StringVar(&keyFile, "admin-key", "", "OpenSSH public key file of the admin (FILE.pub, or - for stdin)")
	f.IntVar(&nt.SpecialistsLimit, "specialists-limit", store.DefaultSpecialistsLimit, "active specialists the plan allows")
	f.IntVar(&patients, "patients-limit", 0, "patients the plan allows (default: no limit)")
	f.IntVar(&users, "users-limit", 0, "staff users the plan allows (default: no limit)")
	f.StringVar(&fee, "monthly-fee", "0", "monthly fee of the plan, e.g. 150 or 150,50")
	f.StringVar(&nt.Timezone, "timezone", store.DefaultTimezone, "the clinic's time zone (IANA name)")
	f.StringVar(&nt.Currency, "currency", store.DefaultCurrency, "the clinic's currency (ISO code)")
	f.StringVar(&nt.Lang, "lang", store.DefaultLang, "the clinic's language: es or en")
	f.BoolVar(&jsonOutput, "json", false, "print the result as JSON")
	sparesFlag(cmd, &spares)
	return cmd
}

func printProvisioned(w io.Writer, p *store.Provisioned, ssh string, hasKey bool) {
	t := p.Tenant
	fmt.Fprintf(w, "Created clinic %q (schema %s).\n", oneLine(t.Name), t.Schema)
	if len(t.Domains) > 0 {
		fmt.Fprintf(w, "Domains: %s\n", strings.Join(t.Domains, ", "))
	}
	fmt.Fprintf(w, "Admin: %s <%s>\n", oneLine(t.AdminName), t.AdminEmail)
	fmt.Fprintf(w, "Setup code (shown only now, valid until %s): %s\n", p.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC"), p.SetupCode)
	fmt.Fprintf(w, "Connect:    %s\n", ssh)
	if hasKey {
		fmt.Fprintln(w, "The admin's key is registered: with it, ssh logs straight in.")
	} else {
		fmt.Fprintln(w, "The admin logs in with the e-mail and the setup code, then chooses a password.")
	}
}

// requireFlags refuses a call that lacks required flags (exit 2). Cobra's own
// check would be a plain failure.
func requireFlags(c *cobra.Command, names ...string) error {
	var missing []string
	for _, n := range names {
		if !c.Flags().Changed(n) {
			missing = append(missing, "--"+n)
		}
	}
	if len(missing) > 0 {
		return usagef("%s: missing %s (see --help)", c.CommandPath(), strings.Join(missing, ", "))
	}
	return nil
}

// readKeyFile reads one OpenSSH public key from a file ("-": stdin).
func readKeyFile(stdin io.Reader, path string) (string, error) {
	var b []byte
	var err error
	if path == "-" {
		b, err = io.ReadAll(io.LimitReader(stdin, 64<<10))
	} else {
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return "", err
	}
	line := strings.TrimSpace(string(b))
	if _, _, _, err := store.ParsePublicKey(line); err != nil {
		return "", fmt.Errorf("%s is not an OpenSSH public key (a .pub file)", path)
	}
	return line, nil
}

// sshLine is the command a user types to reach the given SSH user name on
// this server, from CONSULTORIO_LISTEN.
func (cfg *config) sshLine(user string) string {
	host, port, err := net.SplitHostPort(cfg.listen)
	if err != nil {
		host, port = cfg.listen, "22"
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		// Listening on every address: name the machine.
		if h, err := os.Hostname(); err == nil && h != "" {
			host = h
		} else {
			host = "127.0.0.1"
		}
	}
	if p, err := strconv.Atoi(port); err == nil && p != 22 {
		return fmt.Sprintf("ssh -p %d %s@%s", p, user, host)
	}
	return fmt.Sprintf("ssh %s@%s", user, host)
}

// when formats an optional time for a table.
func when(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Local().Format("2006-01-02 15:04")
}
