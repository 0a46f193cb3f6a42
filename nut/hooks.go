package nut

// CheckText checks a free-text field (extrausers, options, optionsupsd) with
// the same tokenizer NUT uses. Package nut/conf sets it from its init, so
// Validate can check the text without importing nut/conf (which imports nut).
// Nil means no check is available (nut/conf not linked in).
var CheckText func(field, text string) error
