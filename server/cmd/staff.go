package cmd

import (
	"bufio"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"consultorio/store"
)

// `staff list|add` and `staff keys add|list`: the staff & keys screen.
func init() {
	register(Clinic, func(env *Env) *cobra.Command {
		group := &cobra.Command{Use: "staff", Short: "Staff users and their SSH keys"}
		keys := &cobra.Command{Use: "keys", Short: "SSH keys of staff users"}
		keys.AddCommand(staffKeysAdd(env), staffKeysList(env))
		group.AddCommand(staffList(env), staffAdd(env), keys)
		return group
	})
}

func staffList(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the staff users",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			users, err := env.Tenant.ListUsers(c.Context(), env.Actor())
			if err != nil {
				return err
			}
			views := make([]UserView, len(users))
			for i, u := range users {
				views[i] = userView(u, env.loc())
			}
			return output(c, views, func(w io.Writer) error {
				rows := make([][]string, len(views))
				for i, u := range views {
					rows[i] = []string{strconv.FormatInt(u.ID, 10), u.Email, u.Name, u.Role, yesNo(u.Active),
						yesNo(u.HasPassword), orDash(deref(u.LastLoginAt))}
				}
				return table(w, []string{"ID", "E-MAIL", "NAME", "ROLE", "ACTIVE", "PASSWORD", "LAST LOGIN"}, rows)
			})
		},
	}
}

func staffAdd(env *Env) *cobra.Command {
	c := &cobra.Command{
		Use:   "add --email E --name N --role admin|specialist|reception",
		Short: "Add a staff user and print their one-time setup code",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := require(c, "email", "name", "role"); err != nil {
				return err
			}
			u, code, err := env.Tenant.CreateUser(c.Context(), env.Actor(), store.NewUser{Email: flagString(c, "email"),
				Name: flagString(c, "name"), Role: store.Role(strings.TrimSpace(flagString(c, "role"))),
				Lang: flagString(c, "lang")})
			if err != nil {
				return err
			}
			v := userView(*u, env.loc())
			v.SetupCode = code
			return output(c, v, func(w io.Writer) error {
				if err := fields(w, "id", strconv.FormatInt(v.ID, 10), "e-mail", v.Email, "name", v.Name, "role", v.Role,
					"setup code", v.SetupCode); err != nil {
					return err
				}
				_, err := io.WriteString(w, "The setup code is shown only now: the user logs in with it (ssh, e-mail + code) and chooses a password.\n")
				return err
			})
		},
	}
	c.Flags().String("email", "", "e-mail (required; the login)")
	c.Flags().String("name", "", "name (required)")
	c.Flags().String("role", "", "admin, specialist or reception (required)")
	c.Flags().String("lang", "", "es or en (default: the clinic's language)")
	return c
}

// maxKeyLine bounds what is read from stdin for one key (RSA 16384-bit keys
// fit in well under this).
const maxKeyLine = 16 << 10

func staffKeysAdd(env *Env) *cobra.Command {
	c := &cobra.Command{
		Use:   "add --email E < key.pub",
		Short: "Register the OpenSSH public key read from stdin for a staff user",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := require(c, "email"); err != nil {
				return err
			}
			line, err := readKeyLine(c.InOrStdin())
			if err != nil {
				return err
			}
			u, err := env.Tenant.UserByEmail(c.Context(), env.Actor(), flagString(c, "email"))
			if err != nil {
				return err
			}
			k, err := env.Tenant.AddKey(c.Context(), env.Actor(), u.ID, line, flagString(c, "label"))
			if err != nil {
				return err
			}
			v := userKeyView(k, env.loc())
			return output(c, v, func(w io.Writer) error {
				return fields(w, "id", strconv.FormatInt(v.ID, 10), "user", u.Email, "fingerprint", v.Fingerprint,
					"label", orDash(v.Label))
			})
		},
	}
	c.Flags().String("email", "", "the staff user's e-mail (required)")
	c.Flags().String("label", "", "a label for the key (default: the key's comment)")
	return c
}

// readKeyLine reads the first line that is not blank or a comment. It stops
// at that line's end: a client that keeps stdin open does not hang the
// command.
func readKeyLine(r io.Reader) (string, error) {
	br := bufio.NewReaderSize(io.LimitReader(r, maxKeyLine), 4096)
	for {
		line, err := br.ReadString('\n')
		if s := strings.TrimSpace(line); s != "" && !strings.HasPrefix(s, "#") {
			if err != nil && !errors.Is(err, io.EOF) {
				return "", err
			}
			return s, nil
		}
		if errors.Is(err, io.EOF) {
			return "", usagef("no public key on stdin: pipe one in, e.g. ... staff keys add --email E < ~/.ssh/id_ed25519.pub")
		}
		if err != nil {
			return "", err
		}
	}
}

func staffKeysList(env *Env) *cobra.Command {
	c := &cobra.Command{
		Use:   "list --email E",
		Short: "List a staff user's SSH keys",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := require(c, "email"); err != nil {
				return err
			}
			u, err := env.Tenant.UserByEmail(c.Context(), env.Actor(), flagString(c, "email"))
			if err != nil {
				return err
			}
			keys, err := env.Tenant.ListKeys(c.Context(), env.Actor(), u.ID)
			if err != nil {
				return err
			}
			views := make([]UserKeyView, len(keys))
			for i, k := range keys {
				views[i] = userKeyView(k, env.loc())
			}
			return output(c, views, func(w io.Writer) error {
				if len(views) == 0 {
					_, err := io.WriteString(w, "No keys.\n")
					return err
				}
				rows := make([][]string, len(views))
				for i, k := range views {
					rows[i] = []string{strconv.FormatInt(k.ID, 10), k.Fingerprint, orDash(k.Label), k.CreatedAt,
						orDash(deref(k.LastUsedAt))}
				}
				return table(w, []string{"ID", "FINGERPRINT", "LABEL", "ADDED", "LAST USED"}, rows)
			})
		},
	}
	c.Flags().String("email", "", "the staff user's e-mail (required)")
	return c
}
