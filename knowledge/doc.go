// Package knowledge is what ftpbot knows about FTP: reply codes (Entry), their classes (Class),
// topics about modes and concepts (Topic), client error messages (ClientError) and server
// software (Server), embedded as TOML under data/ and parsed once into read-only structs. Load
// validates everything (duplicates, dangling related codes, missing sources, wrong classes) and
// reports every problem at once; the tests fail on bad data.
//
//	kb, err := knowledge.Builtin()
//	e, ok := kb.Lookup(530)            // the entry for one code
//	ms := kb.Search("data channel", 5) // ranked matches for free text
//
// knowledge is the bottom of the dependency graph: it must never import bot, an adapter,
// slack-go or discordgo (TestLayering in bot checks this). data/README.md holds the data rules.
package knowledge
