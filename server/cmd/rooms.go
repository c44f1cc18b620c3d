package cmd

import (
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"consultorio/store"
)

// `rooms list|add`: the rooms screen.
func init() {
	register(Clinic, func(env *Env) *cobra.Command {
		group := &cobra.Command{Use: "rooms", Short: "List and add rooms"}
		group.AddCommand(roomsList(env), roomsAdd(env))
		return group
	})
}

func roomsList(env *Env) *cobra.Command {
	c := &cobra.Command{
		Use:   "list",
		Short: "List the rooms",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			list, err := env.Tenant.ListRooms(c.Context(), env.Actor(), flagBool(c, "inactive"))
			if err != nil {
				return err
			}
			views := make([]RoomView, len(list))
			for i, r := range list {
				views[i] = roomView(r, env.loc())
			}
			return output(c, views, func(w io.Writer) error {
				if len(views) == 0 {
					_, err := io.WriteString(w, "No rooms.\n")
					return err
				}
				rows := make([][]string, len(views))
				for i, r := range views {
					rows[i] = []string{strconv.FormatInt(r.ID, 10), r.Name, strconv.Itoa(r.Capacity), orDash(r.Location),
						strconv.Itoa(len(r.Equipment)), yesNo(r.Active)}
				}
				return table(w, []string{"ID", "NAME", "CAPACITY", "LOCATION", "EQUIPMENT", "ACTIVE"}, rows)
			})
		},
	}
	c.Flags().Bool("inactive", false, "include deactivated rooms")
	return c
}

func roomsAdd(env *Env) *cobra.Command {
	c := &cobra.Command{
		Use:   "add --name N [--capacity C] [--location L]",
		Short: "Add a room",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := require(c, "name"); err != nil {
				return err
			}
			r, err := env.Tenant.CreateRoom(c.Context(), env.Actor(), store.RoomInput{Name: flagString(c, "name"),
				Capacity: flagInt(c, "capacity"), Location: flagString(c, "location")})
			if err != nil {
				return err
			}
			v := roomView(r, env.loc())
			return output(c, v, func(w io.Writer) error {
				return fields(w, "id", strconv.FormatInt(v.ID, 10), "name", v.Name, "capacity", strconv.Itoa(v.Capacity),
					"location", orDash(v.Location), "active", yesNo(v.Active))
			})
		},
	}
	c.Flags().String("name", "", "name (required, unique)")
	c.Flags().Int("capacity", 1, "people it holds")
	c.Flags().String("location", "", "where it is")
	return c
}
