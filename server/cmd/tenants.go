package cmd

import (
	"io"
	"strings"

	"github.com/spf13/cobra"

	"consultorio/store"
)

// Panel: tenants list|show|suspend|activate; create, update, delete,
// restore and domains are in tenants_admin.go.
func init() {
	register(Panel, func(env *Env) *cobra.Command {
		tenants := &cobra.Command{Use: "tenants", Short: "Clinics (clients) of the service"}

		var status, search string
		list := &cobra.Command{
			Use:   "list",
			Short: "List clinics",
			Args:  cobra.NoArgs,
			RunE: func(c *cobra.Command, _ []string) error {
				ts, err := env.DB.ListTenants(c.Context(), store.TenantFilter{Status: status, Search: search})
				if err != nil {
					return err
				}
				if ts == nil {
					ts = []store.TenantInfo{}
				}
				return output(c, ts, func(w io.Writer) error {
					rows := make([][]string, len(ts))
					for i, t := range ts {
						rows[i] = []string{t.Schema, t.Name, t.Status, t.AdminEmail, money(t.MonthlyFee), strings.Join(t.Domains, ",")}
					}
					return table(w, []string{"SCHEMA", "NAME", "STATUS", "ADMIN", "FEE", "DOMAINS"}, rows)
				})
			},
		}
		list.Flags().StringVar(&status, "status", "", "only this status: active, morose, suspended, archived or all")
		list.Flags().StringVar(&search, "search", "", "name, schema, admin e-mail or domain contains this")

		show := &cobra.Command{
			Use:   "show SCHEMA",
			Short: "Show one clinic",
			Args:  cobra.ExactArgs(1),
			RunE: func(c *cobra.Command, a []string) error {
				t, err := env.DB.GetTenant(c.Context(), a[0])
				if err != nil {
					return err
				}
				return printTenant(c, t)
			},
		}
		change := func(use, short string, op func(*cobra.Command, string) (store.TenantInfo, error)) *cobra.Command {
			return &cobra.Command{
				Use:   use + " SCHEMA",
				Short: short,
				Args:  cobra.ExactArgs(1),
				RunE: func(c *cobra.Command, a []string) error {
					t, err := op(c, a[0])
					if err != nil {
						return err
					}
					return printTenant(c, t)
				},
			}
		}
		suspend := change("suspend", "Suspend a clinic: its staff cannot log in and its open sessions end",
			func(c *cobra.Command, schema string) (store.TenantInfo, error) {
				return env.DB.SuspendTenant(c.Context(), env.OperatorActor(), schema)
			})
		activate := change("activate", "Make a suspended or morose clinic active again",
			func(c *cobra.Command, schema string) (store.TenantInfo, error) {
				return env.DB.ActivateTenant(c.Context(), env.OperatorActor(), schema)
			})
		tenants.AddCommand(list, show, suspend, activate)
		tenants.AddCommand(tenantsAdminCommands(env)...) // tenants_admin.go
		return tenants
	})
}

func printTenant(c *cobra.Command, t store.TenantInfo) error {
	return output(c, t, func(w io.Writer) error {
		limit := func(p *int) string {
			if p == nil {
				return "-"
			}
			return itoa(*p)
		}
		return fields(w,
			"schema", t.Schema, "name", t.Name, "status", t.Status,
			"admin", strings.TrimSpace(t.AdminName+" <"+t.AdminEmail+">"),
			"domains", strings.Join(t.Domains, ", "),
			"specialists limit", itoa(t.SpecialistsLimit), "patients limit", limit(t.PatientsLimit), "users limit", limit(t.UsersLimit),
			"monthly fee", money(t.MonthlyFee)+" "+t.Currency,
			"timezone", t.Timezone, "language", t.Lang,
			"created", t.CreatedAt.Format("2006-01-02 15:04"))
	})
}
