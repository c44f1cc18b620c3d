package store

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Room is a consulting room with the specialists assigned to it and its
// equipment.
type Room struct {
	ID            int64           `json:"id"`
	Name          string          `json:"name"`
	Capacity      int             `json:"capacity"`
	Location      string          `json:"location"`
	Active        bool            `json:"active"`
	SpecialistIDs []int64         `json:"specialist_ids"`
	Equipment     []RoomEquipment `json:"equipment"`
	CreatedAt     time.Time       `json:"created_at"`
}

// RoomEquipment is a piece of the equipment catalog present in a room.
type RoomEquipment struct {
	EquipmentID int64  `json:"equipment_id"`
	Name        string `json:"name"`
	Code        string `json:"code"`
	Quantity    int    `json:"quantity"`
}

// Equipment is an entry of the clinic's equipment catalog. Code is an
// optional slug ("camilla-2"), unique when present.
type Equipment struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Code      string    `json:"code"`
	CreatedAt time.Time `json:"created_at"`
}

// RoomInput is what a room form gives. Capacity 0 means 1.
type RoomInput struct {
	Name     string `json:"name"`
	Capacity int    `json:"capacity"`
	Location string `json:"location"`
}

func (in *RoomInput) normalize() error {
	if err := checkTexts(oneLine("name", in.Name), oneLine("location", in.Location)); err != nil {
		return err
	}
	v := validation{}
	cleanField(v, "name", &in.Name, 100, true)
	cleanField(v, "location", &in.Location, 200, false)
	if in.Capacity == 0 {
		in.Capacity = 1
	}
	if in.Capacity < 1 || in.Capacity > 1000 {
		v.add("capacity", ReasonRange, 1, 1000)
	}
	return v.err()
}

const roomColumns = `r.id, r.name, r.capacity, r.location, r.active, r.created_at,
	coalesce((select array_agg(rs.specialist_id order by rs.specialist_id) from room_specialists rs where rs.room_id = r.id), '{}'),
	coalesce((select json_agg(json_build_object('equipment_id', e.id, 'name', e.name, 'code', coalesce(e.code, ''),
	                  'quantity', re.quantity) order by public.search_norm(e.name), e.id)
	          from room_equipment re join equipment e on e.id = re.equipment_id where re.room_id = r.id), '[]')`

func scanRoom(row pgx.Row) (Room, error) {
	var r Room
	err := row.Scan(&r.ID, &r.Name, &r.Capacity, &r.Location, &r.Active, &r.CreatedAt, &r.SpecialistIDs, &r.Equipment)
	return r, err
}

func getRoom(ctx context.Context, tx pgx.Tx, id int64) (Room, error) {
	r, err := scanRoom(tx.QueryRow(ctx, `select `+roomColumns+` from rooms r where r.id = $1`, id))
	return r, notFound(err, EntityRoom, id)
}

// lockRoom checks that the room exists and holds it for the rest of the
// transaction (two admins editing its equipment apply one after the other).
func lockRoom(ctx context.Context, tx pgx.Tx, id int64) error {
	var one int
	err := tx.QueryRow(ctx, `select 1 from rooms where id = $1 for update`, id).Scan(&one)
	return notFound(err, EntityRoom, id)
}

// ListRooms lists the rooms by name. Every role may read them (the agenda
// books rooms).
func (t *Tenant) ListRooms(ctx context.Context, actor Actor, includeInactive bool) ([]Room, error) {
	if !actor.Role.Valid() {
		return nil, forbidden("listing rooms")
	}
	var out []Room
	err := t.tx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = listRooms(ctx, tx, includeInactive)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list rooms: %w", err)
	}
	return out, nil
}

func listRooms(ctx context.Context, tx pgx.Tx, includeInactive bool) ([]Room, error) {
	rows, err := tx.Query(ctx, `select `+roomColumns+` from rooms r where $1 or r.active order by public.search_norm(r.name), r.id`, includeInactive)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Room, error) { return scanRoom(r) })
}

// GetRoom returns one room.
func (t *Tenant) GetRoom(ctx context.Context, actor Actor, id int64) (Room, error) {
	if !actor.Role.Valid() {
		return Room{}, forbidden("reading rooms")
	}
	var out Room
	err := t.tx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = getRoom(ctx, tx, id)
		return err
	})
	if err != nil {
		return Room{}, clinicErr("get room", err)
	}
	return out, nil
}

func roomWriteErr(err error) error {
	return uniqueConflict(err, "rooms_name_key", "name")
}

// CreateRoom adds an active room (admin only).
func (t *Tenant) CreateRoom(ctx context.Context, actor Actor, in RoomInput) (Room, error) {
	if !actor.MayManageClinic() {
		return Room{}, forbidden("creating rooms")
	}
	if err := in.normalize(); err != nil {
		return Room{}, err
	}
	var out Room
	err := t.tx(ctx, func(tx pgx.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, `insert into rooms (name, capacity, location) values ($1, $2, $3) returning id`,
			in.Name, in.Capacity, in.Location).Scan(&id); err != nil {
			return roomWriteErr(err)
		}
		var err error
		if out, err = getRoom(ctx, tx, id); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "create", "room", id, map[string]any{"name": in.Name})
	})
	if err != nil {
		return Room{}, clinicErr("create room", err)
	}
	return out, nil
}

// UpdateRoom changes a room's name, capacity and location (admin only).
func (t *Tenant) UpdateRoom(ctx context.Context, actor Actor, id int64, in RoomInput) (Room, error) {
	if !actor.MayManageClinic() {
		return Room{}, forbidden("editing rooms")
	}
	if err := in.normalize(); err != nil {
		return Room{}, err
	}
	return t.roomChange(ctx, actor, id, "update", "update room", func(tx pgx.Tx) (any, error) {
		var before RoomInput
		if err := tx.QueryRow(ctx, `select name, capacity, location from rooms where id = $1`, id).
			Scan(&before.Name, &before.Capacity, &before.Location); err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `update rooms set name = $2, capacity = $3, location = $4 where id = $1`,
			id, in.Name, in.Capacity, in.Location); err != nil {
			return nil, roomWriteErr(err)
		}
		return map[string]any{"changed": changedFields(before, in)}, nil
	})
}

// SetRoomActive activates or deactivates a room (admin only). Sessions booked
// in it stay; an inactive room is no longer offered for new bookings.
func (t *Tenant) SetRoomActive(ctx context.Context, actor Actor, id int64, active bool) (Room, error) {
	verb := map[bool]string{true: "activate", false: "deactivate"}[active]
	if !actor.MayManageClinic() {
		return Room{}, forbidden(verb + "ing rooms")
	}
	return t.roomChange(ctx, actor, id, verb, verb+" room", func(tx pgx.Tx) (any, error) {
		_, err := tx.Exec(ctx, `update rooms set active = $2 where id = $1`, id, active)
		return nil, err
	})
}

// SetRoomSpecialists replaces the specialists assigned to a room (admin
// only). Unknown ids are refused.
func (t *Tenant) SetRoomSpecialists(ctx context.Context, actor Actor, roomID int64, specialistIDs []int64) (Room, error) {
	if !actor.MayManageClinic() {
		return Room{}, forbidden("assigning specialists to rooms")
	}
	// Never nil: pgx sends a nil slice as NULL, and "<> all(NULL)" matches nothing.
	ids := append([]int64{}, specialistIDs...)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	return t.roomChange(ctx, actor, roomID, "update", "assign room specialists", func(tx pgx.Tx) (any, error) {
		var known int
		if err := tx.QueryRow(ctx, `select count(*) from specialists where id = any($1)`, ids).Scan(&known); err != nil {
			return nil, err
		}
		if known != len(ids) {
			return nil, invalid("specialist_ids", ReasonNoSuch)
		}
		if _, err := tx.Exec(ctx, `delete from room_specialists where room_id = $1 and specialist_id <> all($2)`, roomID, ids); err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `insert into room_specialists (room_id, specialist_id)
			select $1, unnest($2::bigint[]) on conflict do nothing`, roomID, ids); err != nil {
			return nil, err
		}
		return map[string]any{"specialist_ids": ids}, nil
	})
}

// AddRoomEquipment puts quantity pieces of a catalog item in a room (admin
// only); if the room already has that item, its quantity becomes quantity.
func (t *Tenant) AddRoomEquipment(ctx context.Context, actor Actor, roomID, equipmentID int64, quantity int) (Room, error) {
	if !actor.MayManageClinic() {
		return Room{}, forbidden("changing room equipment")
	}
	if err := validQuantity(quantity); err != nil {
		return Room{}, err
	}
	return t.roomChange(ctx, actor, roomID, "update", "add room equipment", func(tx pgx.Tx) (any, error) {
		if err := attachEquipment(ctx, tx, roomID, equipmentID, quantity); err != nil {
			return nil, err
		}
		return map[string]any{"equipment_id": equipmentID, "quantity": quantity}, nil
	})
}

// AddRoomEquipmentNew creates a catalog item and puts it in a room, in one
// transaction (the "add equipment inline" of the room form; admin only).
func (t *Tenant) AddRoomEquipmentNew(ctx context.Context, actor Actor, roomID int64, name, code string, quantity int) (Room, error) {
	if !actor.MayManageClinic() {
		return Room{}, forbidden("changing room equipment")
	}
	if err := normalizeEquipment(&name, &code); err != nil {
		return Room{}, err
	}
	if err := validQuantity(quantity); err != nil {
		return Room{}, err
	}
	return t.roomChange(ctx, actor, roomID, "update", "add room equipment", func(tx pgx.Tx) (any, error) {
		e, err := insertEquipment(ctx, tx, actor, name, code)
		if err != nil {
			return nil, err
		}
		if err := attachEquipment(ctx, tx, roomID, e.ID, quantity); err != nil {
			return nil, err
		}
		return map[string]any{"equipment_id": e.ID, "quantity": quantity}, nil
	})
}

// RemoveRoomEquipment takes a catalog item out of a room (admin only).
func (t *Tenant) RemoveRoomEquipment(ctx context.Context, actor Actor, roomID, equipmentID int64) (Room, error) {
	if !actor.MayManageClinic() {
		return Room{}, forbidden("changing room equipment")
	}
	return t.roomChange(ctx, actor, roomID, "update", "remove room equipment", func(tx pgx.Tx) (any, error) {
		tag, err := tx.Exec(ctx, `delete from room_equipment where room_id = $1 and equipment_id = $2`, roomID, equipmentID)
		if err != nil {
			return nil, err
		}
		if tag.RowsAffected() == 0 {
			return nil, &NotFoundError{What: EntityEquipment, ID: equipmentID}
		}
		return map[string]any{"removed_equipment_id": equipmentID}, nil
	})
}

// roomChange runs one change of a room in a transaction: lock the room, apply
// change, write the audit row with the detail change returns, return the
// room as it now is.
func (t *Tenant) roomChange(ctx context.Context, actor Actor, roomID int64, action, what string,
	change func(pgx.Tx) (any, error)) (Room, error) {
	var out Room
	err := t.tx(ctx, func(tx pgx.Tx) error {
		if err := lockRoom(ctx, tx, roomID); err != nil {
			return err
		}
		detail, err := change(tx)
		if err != nil {
			return err
		}
		if out, err = getRoom(ctx, tx, roomID); err != nil {
			return err
		}
		return audit(ctx, tx, actor, action, "room", roomID, detail)
	})
	if err != nil {
		return Room{}, clinicErr(what, err)
	}
	return out, nil
}

func validQuantity(q int) error {
	if q < 1 || q > 10000 {
		return invalid("quantity", ReasonRange, 1, 10000)
	}
	return nil
}

func attachEquipment(ctx context.Context, tx pgx.Tx, roomID, equipmentID int64, quantity int) error {
	_, err := tx.Exec(ctx, `insert into room_equipment (room_id, equipment_id, quantity) values ($1, $2, $3)
		on conflict (room_id, equipment_id) do update set quantity = excluded.quantity`, roomID, equipmentID, quantity)
	if pgCode(err) == pgForeignKey {
		return &NotFoundError{What: EntityEquipment, ID: equipmentID}
	}
	return err
}

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

func normalizeEquipment(name, code *string) error {
	if err := checkTexts(oneLine("name", *name), oneLine("code", *code)); err != nil {
		return err
	}
	v := validation{}
	cleanField(v, "name", name, 100, true)
	cleanField(v, "code", code, 50, false)
	*code = strings.ToLower(*code)
	if *code != "" && !slugPattern.MatchString(*code) {
		v.add("code", ReasonSlug)
	}
	return v.err()
}

// ListEquipment lists the equipment catalog by name. Every role may read it.
func (t *Tenant) ListEquipment(ctx context.Context, actor Actor) ([]Equipment, error) {
	if !actor.Role.Valid() {
		return nil, forbidden("listing equipment")
	}
	var out []Equipment
	err := t.tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `select id, name, coalesce(code, ''), created_at from equipment order by public.search_norm(name), id`)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Equipment, error) {
			var e Equipment
			err := r.Scan(&e.ID, &e.Name, &e.Code, &e.CreatedAt)
			return e, err
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list equipment: %w", err)
	}
	return out, nil
}

// CreateEquipment adds an item to the equipment catalog (admin only). code is
// optional; when given it must be a unique slug.
func (t *Tenant) CreateEquipment(ctx context.Context, actor Actor, name, code string) (Equipment, error) {
	if !actor.MayManageClinic() {
		return Equipment{}, forbidden("creating equipment")
	}
	if err := normalizeEquipment(&name, &code); err != nil {
		return Equipment{}, err
	}
	var out Equipment
	err := t.tx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = insertEquipment(ctx, tx, actor, name, code)
		return err
	})
	if err != nil {
		return Equipment{}, clinicErr("create equipment", err)
	}
	return out, nil
}

func insertEquipment(ctx context.Context, tx pgx.Tx, actor Actor, name, code string) (Equipment, error) {
	var e Equipment
	err := tx.QueryRow(ctx, `insert into equipment (name, code) values ($1, nullif($2, ''))
		returning id, name, coalesce(code, ''), created_at`, name, code).Scan(&e.ID, &e.Name, &e.Code, &e.CreatedAt)
	if err != nil {
		err = uniqueConflict(err, "equipment_name_key", "name")
		return e, uniqueConflict(err, "equipment_code_key", "code")
	}
	return e, audit(ctx, tx, actor, "create", "equipment", e.ID, map[string]any{"name": name, "code": code})
}
