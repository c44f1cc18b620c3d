package cmd

import (
	"bufio"
	"context"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"consultorio/store"
)

// `staff ...`: the staff & keys screen: list, add, change, activate,
// deactivate, unlock, new setup code, and each user's SSH keys. A user is
// named by e-mail (or id).
func staffCmd(env *Env) *cobra.Command {
	group := &cobra.Command{Use: "staff", Short: "Staff users and their SSH keys"}
	keys := &cobra.Command{Use: "keys", Short: "SSH keys of staff users"}
	keys.AddCommand(staffKeysAdd(env), staffKeysList(env), staffKeysRemove(env))
	group.AddCommand(staffList(env), staffAdd(env), staffUpdate(env),
		staffChange(env, "deactivate", "Stop a staff user from logging in (history and keys stay)",
			func(ctx context.Context, a store.Actor, id int64) (*store.User, error) {
				if err := env.Tenant.DeactivateUser(ctx, a, id); err != nil {
					return nil, err
				}
				return env.Tenant.GetUser(ctx, a, id)
			}),
		staffChange(env, "activate", "Let a deactivated staff user log in again (within the plan's limit)",
			func(ctx context.Context, a store.Actor, id int64) (*store.User, error) {
				if err := env.Tenant.ActivateUser(ctx, a, id); err != nil {
					return nil, err
				}
				return env.Tenant.GetUser(ctx, a, id)
			}),
		staffChange(env, "unlock", "Lift a staff user's lockout after too many failed logins",
			env.Tenant.UnlockUser),
		staffSetupCode(env), keys)
	return group
}

// staffUser finds the staff user a command names: an e-mail, or an id.
func (e *Env) staffUser(ctx context.Context, who string) (*store.User, error) {
	if !strings.Contains(who, "@") {
		id, err := parseID("staff user (e-mail or id)", who)
		if err != nil {
			return nil, err
		}
		return e.Tenant.GetUser(ctx, e.Actor(), id)
	}
	return e.Tenant.UserByEmail(ctx, e.Actor(), who)
}

func printUser(c *cobra.Command, env *Env, u *store.User) error {
	v := userView(*u, env.loc())
	return output(c, v, func(w io.Writer) error {
		return fields(w, "id", strconv.FormatInt(v.ID, 10), "e-mail", v.Email, "name", v.Name, "role", roleName(w, v.Role),
			"active", yesNo(w, v.Active), "password", yesNo(w, v.HasPassword), "last login", orDash(deref(v.LastLoginAt)),
			"locked until", orDash(deref(v.LockedUntil)))
	})
}

// staffChange makes a command that changes one user named by EMAIL.
func staffChange(env *Env, verb, short string,
	do func(context.Context, store.Actor, int64) (*store.User, error)) *cobra.Command {
	return &cobra.Command{
		Use:   verb + " EMAIL",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			u, err := env.staffUser(c.Context(), args[0])
			if err != nil {
				return err
			}
			if u, err = do(c.Context(), env.Actor(), u.ID); err != nil {
				return err
			}
			return printUser(c, env, u)
		},
	}
}

func staffUpdate(env *Env) *cobra.Command {
	var (
		up   store.UserUpdate
		role *string
	)
	c := &cobra.Command{
		Use:   "update EMAIL [--name N] [--role R] [--lang es|en]",
		Short: "Change a staff user's name, role or language",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if role != nil {
				r := store.Role(*role)
				up.Role = &r
			}
			if up.Name == nil && up.Role == nil && up.Lang == nil {
				return usagef("%s: say --name, --role and/or --lang", c.CommandPath())
			}
			u, err := env.staffUser(c.Context(), args[0])
			if err != nil {
				return err
			}
			if u, err = env.Tenant.UpdateUser(c.Context(), env.Actor(), u.ID, up); err != nil {
				return err
			}
			return printUser(c, env, u)
		},
	}
	optStringVar(c.Flags(), &up.Name, "name", "name")
	optStringVar(c.Flags(), &role, "role", "admin, specialist or reception")
	optStringVar(c.Flags(), &up.Lang, "lang", "es, en, or empty for the clinic's language")
	return c
}

func staffSetupCode(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "setup-code EMAIL",
		Short: "Give a staff user a new one-time setup code (forgotten password; lifts a lockout)",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			u, err := env.staffUser(c.Context(), args[0])
			if err != nil {
				return err
			}
			code, err := env.Tenant.NewUserSetupCode(c.Context(), env.Actor(), u.ID)
			if err != nil {
				return err
			}
			v := userView(*u, env.loc())
			v.SetupCode = code
			return output(c, v, func(w io.Writer) error {
				if err := fields(w, "e-mail", v.Email, "setup code", v.SetupCode); err != nil {
					return err
				}
				return say(w, "The setup code is shown only now: the user logs in with it (ssh, e-mail + code) and chooses a password.")
			})
		},
	}
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
					rows[i] = []string{strconv.FormatInt(u.ID, 10), u.Email, u.Name, roleName(w, u.Role), yesNo(w, u.Active),
						yesNo(w, u.HasPassword), orDash(deref(u.LastLoginAt)), orDash(deref(u.LockedUntil))}
				}
				return table(w, []string{"ID", "E-MAIL", "NAME", "ROLE", "ACTIVE", "PASSWORD", "LAST LOGIN", "LOCKED UNTIL"}, rows)
			})
		},
	}
}

func staffAdd(env *Env) *cobra.Command {
	var (
		nu   store.NewUser
		role string
	)
	c := &cobra.Command{
		Use:   "add --email E --name N --role admin|specialist|reception",
		Short: "Add a staff user and print their one-time setup code",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := require(c, "email", "name", "role"); err != nil {
				return err
			}
			nu.Role = store.Role(strings.TrimSpace(role))
			u, code, err := env.Tenant.CreateUser(c.Context(), env.Actor(), nu)
			if err != nil {
				return err
			}
			v := userView(*u, env.loc())
			v.SetupCode = code
			return output(c, v, func(w io.Writer) error {
				if err := fields(w, "id", strconv.FormatInt(v.ID, 10), "e-mail", v.Email, "name", v.Name, "role", roleName(w, v.Role),
					"setup code", v.SetupCode); err != nil {
					return err
				}
				return say(w, "The setup code is shown only now: the user logs in with it (ssh, e-mail + code) and chooses a password.")
			})
		},
	}
	c.Flags().StringVar(&nu.Email, "email", "", "e-mail (required; the login)")
	c.Flags().StringVar(&nu.Name, "name", "", "name (required)")
	c.Flags().StringVar(&role, "role", "", "admin, specialist or reception (required)")
	c.Flags().StringVar(&nu.Lang, "lang", "", "es or en (default: the clinic's language)")
	return c
}

// maxKeyLine bounds what is read from stdin for one key (RSA 16384-bit keys
// fit in well under this).
const maxKeyLine = 16 << 10

// userArg is the user a keys command names: EMAIL as its argument, or
// --email (the older spelling, kept for scripts).
func userArg(c *cobra.Command, args []string, email string) (string, error) {
	switch {
	case len(args) > 0 && email != "":
		return "", usagef("%s: name the user once: EMAIL or --email", c.CommandPath())
	case len(args) > 0:
		return args[0], nil
	case email != "":
		return email, nil
	}
	return "", usagef("%s: say whose keys: EMAIL", c.CommandPath())
}

func staffKeysAdd(env *Env) *cobra.Command {
	var email, key, label string
	c := &cobra.Command{
		Use:   "add EMAIL [--key \"ssh-ed25519 AAAA… comment\"] [--label L]",
		Short: "Register an OpenSSH public key for a staff user (--key, or the key read from stdin)",
		Example: `  ssh clinic@host staff keys add ana@example.com --key "$(cat ~/.ssh/id_ed25519.pub)"
  ssh clinic@host staff keys add ana@example.com < ana.pub`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			who, err := userArg(c, args, email)
			if err != nil {
				return err
			}
			line := strings.TrimSpace(key)
			if !given(c, "key") {
				if line, err = readKeyLine(c.InOrStdin()); err != nil {
					return err
				}
			}
			u, err := env.staffUser(c.Context(), who)
			if err != nil {
				return err
			}
			k, err := env.Tenant.AddKey(c.Context(), env.Actor(), u.ID, line, label)
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
	c.Flags().StringVar(&email, "email", "", "the staff user's e-mail (instead of EMAIL)")
	c.Flags().StringVar(&key, "key", "", "the public key line (default: read from stdin)")
	c.Flags().StringVar(&label, "label", "", "a label for the key (default: the key's comment)")
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
	var email string
	c := &cobra.Command{
		Use:   "list EMAIL",
		Short: "List a staff user's SSH keys (N is what keys remove takes)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			who, err := userArg(c, args, email)
			if err != nil {
				return err
			}
			u, err := env.staffUser(c.Context(), who)
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
					return emptyState(w, textsFor(env.lang()).NoKeys)
				}
				rows := make([][]string, len(views))
				for i, k := range views {
					rows[i] = []string{strconv.Itoa(i + 1), strconv.FormatInt(k.ID, 10), k.Fingerprint, orDash(k.Label),
						k.CreatedAt, orDash(deref(k.LastUsedAt))}
				}
				return table(w, []string{"N", "ID", "FINGERPRINT", "LABEL", "ADDED", "LAST USED"}, rows)
			})
		},
	}
	c.Flags().StringVar(&email, "email", "", "the staff user's e-mail (instead of EMAIL)")
	return c
}

func staffKeysRemove(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "remove EMAIL FINGERPRINT|N",
		Short: "Remove a staff user's SSH key, named by fingerprint (SHA256:…) or by its N in keys list",
		Args:  cobra.ExactArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			which := strings.TrimSpace(args[1])
			index, err := strconv.Atoi(which)
			isIndex := err == nil
			if isIndex && index < 1 {
				return usagef("%s: %q is not a key number (1, 2, … as keys list shows) or a fingerprint", c.CommandPath(), which)
			}
			u, err := env.staffUser(c.Context(), args[0])
			if err != nil {
				return err
			}
			keys, err := env.Tenant.ListKeys(c.Context(), env.Actor(), u.ID)
			if err != nil {
				return err
			}
			var key *store.UserKey
			for i := range keys {
				if (isIndex && i+1 == index) || (!isIndex && sameFingerprint(keys[i].Fingerprint, which)) {
					key = &keys[i]
					break
				}
			}
			if key == nil {
				return &store.NotFoundError{What: store.EntityKey, ID: which}
			}
			if err := env.Tenant.RevokeKey(c.Context(), env.Actor(), key.ID); err != nil {
				return err
			}
			v := userKeyView(*key, env.loc())
			return output(c, v, func(w io.Writer) error {
				return say(w, "Removed key %s (%s) of %s.", v.Fingerprint, orDash(sanitize(v.Label)), u.Email)
			})
		},
	}
}

// sameFingerprint compares SHA256 fingerprints, with or without the
// "SHA256:" prefix.
func sameFingerprint(stored, given string) bool {
	return stored == given || strings.TrimPrefix(stored, "SHA256:") == strings.TrimPrefix(given, "SHA256:")
}
