package pkg

func say(format string, a ...any) {}

func Run() {
	say("Booked %s.", "x")
	say(`raw`)
}
