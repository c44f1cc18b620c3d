package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"consultorio/store"
)

func newAuditCmd(cfg *config) *cobra.Command {
	cmd := group(&cobra.Command{
		Use:   "audit",
		Short: "Check the audit logs (hash chains) of the panel and the clinics",
	})
	cmd.AddCommand(newAuditVerifyCmd(cfg))
	return cmd
}

func newAuditVerifyCmd(cfg *config) *cobra.Command {
	var jsonOutput bool
	cmd := &cobra.Command{
		Use:   "verify [SLUG]",
		Short: "Verify the audit hash chains: the panel's and every clinic's, or one clinic's",
		Long: `Recomputes every entry's hash and names the first entry that does not match
(edited, removed or inserted behind the application's back). Prints each log's
head (entry number and hash): keep it elsewhere, and a later run that shows a
different hash for the same entry number means the log was rebuilt.
Exit status 1 when any log is broken.`,
		Example: "  consultorio audit verify\n  consultorio audit verify demo --json",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, a []string) error {
			db, err := cfg.open(c.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			ctx := c.Context()
			var states []store.ChainState
			if len(a) == 1 {
				if _, err := db.GetTenant(ctx, a[0]); err != nil {
					return fmt.Errorf("audit verify: %w", err)
				}
				st, err := db.VerifyTenantAuditChain(ctx, a[0])
				if err != nil {
					return fmt.Errorf("audit verify: %w", err)
				}
				states = append(states, st)
			} else {
				st, err := db.VerifyOperatorAuditChain(ctx)
				if err != nil {
					return fmt.Errorf("audit verify: %w", err)
				}
				states = append(states, st)
				clinics, err := db.ListTenants(ctx, store.TenantFilter{Status: "all"})
				if err != nil {
					return fmt.Errorf("audit verify: %w", err)
				}
				for _, ti := range clinics {
					st, err := db.VerifyTenantAuditChain(ctx, ti.Schema)
					if err != nil {
						return fmt.Errorf("audit verify: %w", err)
					}
					states = append(states, st)
				}
			}
			broken := 0
			for _, st := range states {
				if !st.OK {
					broken++
				}
			}
			if jsonOutput {
				if err := writeJSON(c.OutOrStdout(), states); err != nil {
					return err
				}
			} else {
				w := c.OutOrStdout()
				for _, st := range states {
					if st.OK {
						_ = say(c, w, "%s: ok, %d entries, head #%d %s", oneLine(st.Log), st.Entries, st.HeadSeq, st.Head)
						continue
					}
					b := st.Break
					switch b.Reason {
					case store.ChainHead:
						_ = say(c, w, "%s: BROKEN after entry #%d: the newest entries were removed or the head was changed (head #%d %s)",
							oneLine(st.Log), b.Seq-1, st.HeadSeq, st.Head)
					case store.ChainMissing:
						_ = say(c, w, "%s: BROKEN at entry #%d (id %d, %s, %s): entries before it were removed",
							oneLine(st.Log), b.Seq, b.ID, b.CreatedAt.UTC().Format("2006-01-02 15:04:05Z"), oneLine(b.Action))
					default:
						_ = say(c, w, "%s: BROKEN at entry #%d (id %d, %s, %s): the entry was changed",
							oneLine(st.Log), b.Seq, b.ID, b.CreatedAt.UTC().Format("2006-01-02 15:04:05Z"), oneLine(b.Action))
					}
				}
			}
			if broken > 0 {
				return &exitError{code: 1}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&jsonOutput, "json", false, "print JSON")
	return cmd
}
