package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"consultorio/store"
)

func newOperatorsCmd(cfg *config) *cobra.Command {
	cmd := group(&cobra.Command{
		Use:     "operators",
		Aliases: []string{"operator"},
		Short:   "Manage the operators of the service (who use the panel: ssh panel@host)",
	})
	cmd.AddCommand(newOperatorsCreateCmd(cfg))
	return cmd
}

func newOperatorsCreateCmd(cfg *config) *cobra.Command {
	var (
		email, name, keyFile string
		jsonOutput           bool
	)
	cmd := &cobra.Command{
		Use:     "create --email E [--name N] [--key FILE.pub]",
		Short:   "Add a panel operator and print their one-time setup code",
		Example: `  consultorio operators create --email ops@example.com --name "Rosa Huamán" --key ~/.ssh/id_ed25519.pub`,
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := requireFlags(c, "email"); err != nil {
				return err
			}
			var key string
			if keyFile != "" {
				k, err := cfg.readKeyFile(c.InOrStdin(), keyFile, "operators create: --key")
				if err != nil {
					return err
				}
				key = k
			}
			db, err := cfg.open(c.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			op, code, err := db.CreateOperator(c.Context(), store.CLI, email, name, key)
			if err != nil {
				return fmt.Errorf("operators create: %w", err)
			}
			ssh := cfg.sshLine("panel")
			if jsonOutput {
				return writeJSON(c.OutOrStdout(), struct {
					Operator  *store.Operator `json:"operator"`
					SetupCode string          `json:"setup_code"`
					SSH       string          `json:"ssh"`
				}{op, code, ssh})
			}
			w := c.OutOrStdout()
			if err := say(c, w, "Created operator %s <%s>.", oneLine(op.Name), op.Email); err != nil {
				return err
			}
			if err := say(c, w, "Setup code (shown only now, valid for %.0f hours): %s", store.SetupCodeTTL.Hours(), code); err != nil {
				return err
			}
			if err := say(c, w, "Connect:    %s", ssh); err != nil {
				return err
			}
			if key != "" {
				return say(c, w, "The key is registered: with it, ssh logs straight in.")
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&email, "email", "", "the operator's e-mail (required)")
	cmd.Flags().StringVar(&name, "name", "", "the operator's name (default: the e-mail)")
	cmd.Flags().StringVar(&keyFile, "key", "", "OpenSSH public key file (FILE.pub, or - for stdin)")
	cmd.Flags().BoolVar(&jsonOutput, "json", false, "print the result as JSON")
	return cmd
}
