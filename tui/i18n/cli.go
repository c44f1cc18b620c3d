package i18n

// CLI holds what the local administration CLI (cmd/consultorio) says when
// one of its own operations fails: the backup, the private cluster and the
// checks it makes before running. Store errors it meets are worded by the
// error catalogue like everywhere else.
type CLI struct {
	BackupExists   string // the destination of a backup or restore is not empty
	NoArchive      string // point-in-time restore without a WAL archive
	TargetTooEarly string // the point-in-time target is before the backup finished
	NoBinaries     string // PostgreSQL server binaries not found
	PrivateUnused  string // DATABASE_URL is set: the private cluster is not used
	NotConfirmed   string // db destroy not confirmed
	PlainBackup    string // a DATABASE_URL backup cannot be restored by the CLI
	ScratchOnly    string // clinic schema found where benchmarks would run
	TenantsFailed  string // failed, total
	SparesFailed   string // failed, total
	UpgradeFailed  string // failed, total
	SharedMissing  string // the shared schema is not migrated yet
	SharedFailed   string // the shared schema failed to migrate (the summary said why)
	TopUpFailed    string // the pool of spare schemas was not topped up (the summary said why)
	DemoArchived   string // schema of the demo clinic
}

var cliES = CLI{
	BackupExists:   "El destino ya existe y no está vacío.",
	NoArchive:      "La copia se hizo sin archivo WAL; indique el archivo con --wal-archive.",
	TargetTooEarly: "El momento pedido es anterior al fin de la copia: use una copia más antigua.",
	NoBinaries:     "No se encontraron los programas del servidor PostgreSQL (pg_config --bindir): instale PostgreSQL.",
	PrivateUnused:  "DATABASE_URL está definida: el clúster privado no se usa.",
	NotConfirmed:   "db destroy: no confirmado; no se borró nada.",
	PlainBackup:    "restore: es una copia del servidor de DATABASE_URL, un directorio de pg_basebackup (SRC/pg): restáurela con las herramientas de ese servidor.",
	ScratchOnly:    "bench: la base de datos tiene la clínica %q: ejecute las pruebas de rendimiento solo en una base de datos vacía.",
	TenantsFailed:  "%d de %d clínicas no se pudieron migrar.",
	SparesFailed:   "%d de %d esquemas de reserva no se pudieron migrar.",
	UpgradeFailed:  "%d de %d clínicas no se pudieron migrar: vea arriba, corrija, ejecute `consultorio migrate` y vuelva a iniciar.",
	SharedMissing:  "El esquema compartido aún no está migrado: ejecute antes `consultorio migrate --shared`.",
	SharedFailed:   "El esquema compartido no se pudo migrar; no se migró ninguna clínica.",
	TopUpFailed:    "No se pudo reponer la reserva de esquemas.",
	DemoArchived:   "demo: la clínica de demostración está archivada; recupérela con: consultorio tenants restore %s",
}

var cliEN = CLI{
	BackupExists:   "The destination already exists and is not empty.",
	NoArchive:      "The backup was taken without WAL archiving; name the archive with --wal-archive.",
	TargetTooEarly: "The recovery target is before the backup finished: use an older backup.",
	NoBinaries:     "PostgreSQL server binaries not found (pg_config --bindir): install PostgreSQL.",
	PrivateUnused:  "DATABASE_URL is set: the private cluster is not used.",
	NotConfirmed:   "db destroy: not confirmed; nothing deleted.",
	PlainBackup:    "restore: this is a backup of the DATABASE_URL server; it is a plain pg_basebackup directory (SRC/pg): restore it with that server's tools.",
	ScratchOnly:    "bench: the database holds clinic %q: run benchmarks on a scratch database only.",
	TenantsFailed:  "%d of %d tenants failed to migrate",
	SparesFailed:   "%d of %d spare schemas failed to migrate",
	UpgradeFailed:  "%d of %d tenants failed to migrate: see above, fix, then run `consultorio migrate` and start again",
	SharedMissing:  "The shared schema is not migrated yet: run `consultorio migrate --shared` first.",
	SharedFailed:   "The shared schema failed to migrate; no tenant was migrated.",
	TopUpFailed:    "The spare schemas could not be topped up.",
	DemoArchived:   "demo: the demo clinic is archived; bring it back with: consultorio tenants restore %s",
}
