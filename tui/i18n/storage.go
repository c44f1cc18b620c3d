package i18n

// Storage holds what the user is told when the server cannot store data.
type Storage struct {
	// DiskFull: the database's disk is full; nothing of the action was saved.
	DiskFull string
}

var storageES = Storage{
	DiskFull: "No se pudo guardar: el disco del servidor está lleno. No se guardó nada de esta acción; avise al operador del servicio y vuelva a intentarlo cuando haya espacio.",
}

var storageEN = Storage{
	DiskFull: "Could not save: the server's disk is full. Nothing of this action was saved; tell the service operator and try again once there is space.",
}
