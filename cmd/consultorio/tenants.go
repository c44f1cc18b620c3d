package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"

	"consultorio/store"
)

func newTenantsCmd(cfg *config) *cobra.Command {
	cmd := group(&cobra.Command{
		Use:     "tenants",
		Aliases: []string{"tenant"},
		Short:   "Manage clinics (tenants): list, show, create, update, suspend, activate, delete",
	})
	cmd.AddCommand(newTenantsCreateCmd(cfg))
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
			if c.Flags().Changed("monthly-fee") {
				d, err := parseAmount(fee)
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
	f.IntVar(&nt.SpecialistsLimit, "specialists-limit", 4, "active specialists the plan allows")
	f.IntVar(&patients, "patients-limit", 0, "patients the plan allows (default: no limit)")
	f.IntVar(&users, "users-limit", 0, "staff users the plan allows (default: no limit)")
	f.StringVar(&fee, "monthly-fee", "0", "monthly fee of the plan, e.g. 150.00")
	f.StringVar(&nt.Timezone, "timezone", "America/Lima", "the clinic's time zone (IANA name)")
	f.StringVar(&nt.Currency, "currency", "PEN", "the clinic's currency (ISO code)")
	f.StringVar(&nt.Lang, "lang", "es", "the clinic's language: es or en")
	f.BoolVar(&jsonOutput, "json", false, "print the result as JSON")
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

// parseAmount reads a money amount: a non-negative decimal with at most two
// decimal places.
func parseAmount(s string) (decimal.Decimal, error) {
	d, err := decimal.NewFromString(strings.TrimSpace(s))
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("%q is not an amount (like 150.00)", s)
	}
	if d.IsNegative() {
		return decimal.Decimal{}, fmt.Errorf("%q is negative", s)
	}
	if !d.Equal(d.Round(2)) {
		return decimal.Decimal{}, fmt.Errorf("%q has more than two decimals", s)
	}
	return d, nil
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
