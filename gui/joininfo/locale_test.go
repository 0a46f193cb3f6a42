package joininfo

// Fyne falls back to English quietly in these tests too, as in nutmeg-gui,
// instead of logging "Error parsing user locale C" under C.UTF-8.
import _ "github.com/nutmeg-ups/nutmeg/gui/fynelocale"
