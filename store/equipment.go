package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// UpdateEquipment renames an item of the equipment catalog or changes its
// code (admin only); the rules are CreateEquipment's (a unique name, an
// optional unique slug). The rooms holding it show the new name.
func (t *Tenant) UpdateEquipment(ctx context.Context, actor Actor, id int64, name, code string) (Equipment, error) {
	if !actor.MayManageClinic() {
		return Equipment{}, forbidden("changing equipment")
	}
	if err := normalizeEquipment(&name, &code); err != nil {
		return Equipment{}, err
	}
	var out Equipment
	err := t.tx(ctx, func(tx pgx.Tx) error {
		var before Equipment
		if err := tx.QueryRow(ctx, `select id, name, coalesce(code, ''), created_at from equipment where id = $1 for update`, id).
			Scan(&before.ID, &before.Name, &before.Code, &before.CreatedAt); err != nil {
			return notFound(err, EntityEquipment, id)
		}
		err := tx.QueryRow(ctx, `update equipment set name = $2, code = nullif($3, '') where id = $1
			returning id, name, coalesce(code, ''), created_at`, id, name, code).
			Scan(&out.ID, &out.Name, &out.Code, &out.CreatedAt)
		if err != nil {
			err = uniqueConflict(err, "equipment_name_key", "name")
			return uniqueConflict(err, "equipment_code_key", "code")
		}
		if err := audit(ctx, tx, actor, "update", "equipment", id, map[string]any{
			"before": map[string]any{"name": before.Name, "code": before.Code},
			"after":  map[string]any{"name": out.Name, "code": out.Code},
		}); err != nil {
			return err
		}
		return t.notifyChange(ctx, tx, "room", 0, "equipment")
	})
	if err != nil {
		return Equipment{}, clinicErr("update equipment", err)
	}
	return out, nil
}

// DeleteEquipment removes an item from the equipment catalog for good (admin
// only). An item still present in a room is refused with a *ConflictError
// (ReasonInUse) and stays: take it out of the rooms first
// (RemoveRoomEquipment), so nobody loses the record of what a room holds by
// tidying the catalog.
func (t *Tenant) DeleteEquipment(ctx context.Context, actor Actor, id int64) error {
	if !actor.MayManageClinic() {
		return forbidden("deleting equipment")
	}
	err := t.tx(ctx, func(tx pgx.Tx) error {
		var e Equipment
		var rooms int
		if err := tx.QueryRow(ctx, `select id, name, coalesce(code, ''),
				(select count(*) from room_equipment re where re.equipment_id = equipment.id)
			from equipment where id = $1 for update`, id).Scan(&e.ID, &e.Name, &e.Code, &rooms); err != nil {
			return notFound(err, EntityEquipment, id)
		}
		if rooms > 0 {
			return conflict("", ReasonInUse)
		}
		// The foreign key (ON DELETE RESTRICT) also refuses a room that took
		// the item after the count: classified as the same conflict.
		if _, err := tx.Exec(ctx, `delete from equipment where id = $1`, id); err != nil {
			return err
		}
		if err := audit(ctx, tx, actor, "delete", "equipment", id, map[string]any{"name": e.Name, "code": e.Code}); err != nil {
			return err
		}
		return t.notifyChange(ctx, tx, "room", 0, "equipment")
	})
	return clinicErr("delete equipment", err)
}
