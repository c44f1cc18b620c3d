package kit

import (
	"errors"
	"strings"

	"github.com/shopspring/decimal"
)

// Amounts typed in forms go through the one parser (store.ParseMoney, via
// Locale.ReadMoney): "75,50", "75.50", "1.234,50" and "1,234.50" all read as
// meant, and "1,234" is refused naming both readings, in the user's words.

// moneyOK validates an amount field; blank is allowed when optional.
func MoneyOK(env *Env, optional bool) func(string) error {
	return func(s string) error {
		if strings.TrimSpace(s) == "" {
			if optional {
				return nil
			}
			return errors.New(env.M.Errors.Required)
		}
		_, err := env.L.ReadMoney(s)
		return err
	}
}

// moneyValue is the amount of a field moneyOK accepted; blank is 0.
func MoneyValue(env *Env, s string) (decimal.Decimal, error) {
	if strings.TrimSpace(s) == "" {
		return decimal.Zero, nil
	}
	return env.L.ReadMoney(s)
}

// moneyText is an amount as a form field shows it for editing: the clinic's
// marks without the symbol ("1,234.50"), which reads back unchanged.
func MoneyText(env *Env, d decimal.Decimal) string { return env.L.Number(d) }
