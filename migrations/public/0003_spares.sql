-- The pool of pre-built spare tenant schemas (PRODUCT.md §2): building a
-- tenant's tables costs tens of milliseconds (more under load on an
-- fsync-on cluster), renaming an already-built schema and its role ~2 ms.
-- A spare is a complete tenant schema named spare_<hex> with its own role
-- (<role prefix>spare_<hex>), grants and public.schema_versions row;
-- provisioning claims one (deleting its row here) and renames it in the
-- same transaction. Spares are migrated like tenants.
CREATE TABLE public.spare_schemas (
    schema_name text PRIMARY KEY CHECK (schema_name ~ '^spare_[0-9a-f]+$'),
    role_name   text NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now()
);
