package cmd

import (
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"consultorio/store"
)

// `rooms list|add|activate|deactivate`: the rooms screen.
func roomsCmd(env *Env) *cobra.Command {
	group := &cobra.Command{Use: "rooms", Short: "List, add, activate and deactivate rooms"}
	group.AddCommand(roomsList(env), roomsAdd(env), roomsUpdate(env), roomsSetActive(env, true), roomsSetActive(env, false),
		roomsSpecialists(env), roomsEquipment(env))
	return group
}

func roomsList(env *Env) *cobra.Command {
	var inactive bool
	c := &cobra.Command{
		Use:   "list",
		Short: "List the rooms",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			list, err := env.Tenant.ListRooms(c.Context(), env.Actor(), inactive)
			if err != nil {
				return err
			}
			views := make([]RoomView, len(list))
			for i, r := range list {
				views[i] = roomView(r, env.loc())
			}
			return output(c, views, func(w io.Writer) error {
				if len(views) == 0 {
					return emptyState(w, textsFor(env.lang()).NoRooms)
				}
				rows := make([][]string, len(views))
				for i, r := range views {
					rows[i] = []string{strconv.FormatInt(r.ID, 10), r.Name, strconv.Itoa(r.Capacity), orDash(r.Location),
						strconv.Itoa(len(r.Equipment)), yesNo(w, r.Active)}
				}
				return table(w, []string{"ID", "NAME", "CAPACITY", "LOCATION", "EQUIPMENT", "ACTIVE"}, rows)
			})
		},
	}
	c.Flags().BoolVar(&inactive, "inactive", false, "include deactivated rooms")
	return c
}

func roomsAdd(env *Env) *cobra.Command {
	var in store.RoomInput
	c := &cobra.Command{
		Use:   "add --name N [--capacity C] [--location L]",
		Short: "Add a room",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := require(c, "name"); err != nil {
				return err
			}
			r, err := env.Tenant.CreateRoom(c.Context(), env.Actor(), in)
			if err != nil {
				return err
			}
			return printRoom(c, env, r)
		},
	}
	c.Flags().StringVar(&in.Name, "name", "", "name (required, unique)")
	countVar(c.Flags(), &in.Capacity, "capacity", 1, 1, "people it holds")
	c.Flags().StringVar(&in.Location, "location", "", "where it is")
	return c
}

func printRoom(c *cobra.Command, env *Env, r store.Room) error {
	v := roomView(r, env.loc())
	return output(c, v, func(w io.Writer) error {
		return fields(w, "id", strconv.FormatInt(v.ID, 10), "name", v.Name, "capacity", strconv.Itoa(v.Capacity),
			"location", orDash(v.Location), "active", yesNo(w, v.Active))
	})
}

// roomsSetActive is activate (true) or deactivate (false), as the rooms
// screen's toggle.
func roomsSetActive(env *Env, active bool) *cobra.Command {
	use, short := "deactivate", "Deactivate a room (no new bookings; history stays)"
	if active {
		use, short = "activate", "Activate a deactivated room"
	}
	return &cobra.Command{
		Use:   use + " ID",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID("room", args[0])
			if err != nil {
				return err
			}
			r, err := env.Tenant.SetRoomActive(c.Context(), env.Actor(), id, active)
			if err != nil {
				return err
			}
			return printRoom(c, env, r)
		},
	}
}
