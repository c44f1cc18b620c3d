package pkg

func init() { say("only in a test") }
