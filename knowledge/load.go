package knowledge

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
)

//go:embed data
var embedded embed.FS

// Base is the loaded, validated knowledge: read-only once Load returns, safe for concurrent use.
type Base struct {
	codes     map[Code]*Entry
	order     []Code // every code, ascending
	classes   map[string]*Class
	topics    map[string]*Topic
	tlist     []*Topic // in slug order
	clients   []ClientError
	servers   []Server
	captured  map[string]string // server id → captured transcript text (for validation)
	synonyms  []Synonym         // data/words.toml: people's words for the base's words
	protocols []Protocol        // data/elsewhere.toml: other protocols that read like FTP
	leads     []Lead            // data/leads.toml: failures a line names better than its code

	index *index // the free-text search index, built once
}

// Builtin returns the knowledge embedded in the binary. It is loaded and validated on first use;
// a validation error here is a bug in the data, caught by the package's tests.
var Builtin = sync.OnceValues(func() (*Base, error) { return Load(embedded, "") })

// Open loads the embedded knowledge with the team's notes from teamDir ("" for none). Use it
// where team notes apply; Builtin is the shared copy without them.
func Open(teamDir string) (*Base, error) { return Load(embedded, teamDir) }

// Load reads the knowledge from fsys (laid out as the embedded data directory) and, when teamDir is
// not empty, the team's notes from that directory. It reports every problem it finds, not just the first.
func Load(fsys fs.FS, teamDir string) (*Base, error) {
	b := &Base{
		codes:    map[Code]*Entry{},
		classes:  map[string]*Class{},
		topics:   map[string]*Topic{},
		captured: map[string]string{},
	}
	var errs []error
	report := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}

	var classes struct {
		Class []*Class `toml:"class"`
	}
	report(decodeFile(fsys, "data/classes.toml", &classes))
	for _, c := range classes.Class {
		if _, dup := b.classes[c.ID]; dup {
			report(fmt.Errorf("classes.toml: class %q is defined twice", c.ID))
		}
		b.classes[c.ID] = c
	}

	var servers struct {
		Server []Server `toml:"server"`
	}
	report(decodeFile(fsys, "data/servers.toml", &servers))
	b.servers = servers.Server

	codeFiles, _ := fs.Glob(fsys, "data/codes/*.toml")
	for _, name := range codeFiles {
		var f struct {
			Code []*Entry `toml:"code"`
		}
		if err := decodeFile(fsys, name, &f); err != nil {
			report(err)
			continue
		}
		for _, e := range f.Code {
			if _, dup := b.codes[e.Code]; dup {
				report(fmt.Errorf("%s: code %s is defined twice", path.Base(name), e.Code))
				continue
			}
			b.codes[e.Code] = e
			b.order = append(b.order, e.Code)
		}
	}
	slices.Sort(b.order)
	for _, c := range b.order {
		if cl, ok := b.classes[c.Class()]; ok {
			cl.Codes = append(cl.Codes, c)
		}
	}

	topicFiles, _ := fs.Glob(fsys, "data/topics/*.toml")
	for _, name := range topicFiles {
		t := new(Topic)
		if err := decodeFile(fsys, name, t); err != nil {
			report(err)
			continue
		}
		if _, dup := b.topics[t.Slug]; dup {
			report(fmt.Errorf("%s: topic %q is defined twice", path.Base(name), t.Slug))
			continue
		}
		b.topics[t.Slug] = t
		b.tlist = append(b.tlist, t)
	}
	sort.Slice(b.tlist, func(i, j int) bool { return b.tlist[i].Slug < b.tlist[j].Slug })

	clientFiles, _ := fs.Glob(fsys, "data/clients/*.toml")
	for _, name := range clientFiles {
		var f struct {
			ClientError []ClientError `toml:"client_error"`
		}
		if err := decodeFile(fsys, name, &f); err != nil {
			report(err)
			continue
		}
		b.clients = append(b.clients, f.ClientError...)
	}

	captures, _ := fs.Glob(fsys, "data/captured/*.txt")
	for _, name := range captures {
		data, err := fs.ReadFile(fsys, name)
		report(err)
		b.captured[strings.TrimSuffix(path.Base(name), ".txt")] = string(data)
	}

	syn, err := loadSynonyms(fsys)
	report(err)
	b.synonyms = syn
	protos, err := loadProtocols(fsys)
	report(err)
	b.protocols = protos
	leads, err := loadLeads(fsys)
	report(err)
	b.leads = leads

	for _, p := range b.protocols {
		if _, ok := b.topics[p.Topic]; p.Topic != "" && !ok {
			report(fmt.Errorf("elsewhere.toml: %s: no topic %q", p.ID, p.Topic))
		}
	}
	for _, l := range b.leads {
		for _, t := range l.Topics {
			if _, ok := b.topics[t]; !ok && !strings.HasSuffix(t, "*") && !optionalLeadTopic[t] {
				report(fmt.Errorf("leads.toml: %s: no topic %q", l.Concept, t))
			}
		}
	}
	report(b.validate())
	if teamDir != "" {
		report(b.addTeamNotes(os.DirFS(teamDir)))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	b.index = buildIndex(b)
	return b, nil
}

// decodeFile decodes one TOML file strictly: a key the structs do not know is an error, so a
// misspelt field in the data cannot silently drop content.
func decodeFile(fsys fs.FS, name string, v any) error {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return err
	}
	md, err := toml.Decode(string(data), v)
	if err != nil {
		return fmt.Errorf("%s: %w", path.Base(name), err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return fmt.Errorf("%s: unknown keys %s", path.Base(name), strings.Join(keys, ", "))
	}
	return nil
}

var slugRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// validate checks the whole base and returns every problem joined.
func (b *Base) validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	servers := map[string]bool{}
	for _, s := range b.servers {
		if s.ID == "" || s.Name == "" || len(s.Match) == 0 {
			bad("servers.toml: server %q needs id, name and match", s.ID)
		}
		if servers[s.ID] {
			bad("servers.toml: server %q is defined twice", s.ID)
		}
		servers[s.ID] = true
	}
	for id, c := range b.classes {
		if c.Title == "" || c.Meaning == "" || c.Retry == "" {
			bad("classes.toml: class %s needs title, meaning and retry", id)
		}
	}
	for _, code := range b.order {
		e := b.codes[code]
		where := "code " + code.String()
		if code < 100 || (code >= 700 && code < 10000) {
			bad("%s: not a reply code or socket error number", where)
		}
		if _, ok := b.classes[code.Class()]; !ok {
			bad("%s: class %q is not in classes.toml", where, code.Class())
		}
		if !e.Step.Valid() {
			bad("%s: step %q is not one of %v", where, e.Step, Steps)
		}
		for field, v := range map[string]string{"title": e.Title, "source": e.Source, "meaning": e.Meaning} {
			if strings.TrimSpace(v) == "" {
				bad("%s: %s is empty", where, field)
			}
		}
		if e.Standard && !strings.Contains(e.Source, "RFC") {
			bad("%s: a standard code must name its RFC in source, got %q", where, e.Source)
		}
		if len(e.Commands) == 0 || len(e.Causes) == 0 || len(e.Fixes) == 0 {
			bad("%s: needs commands, causes and fixes", where)
		}
		for _, r := range e.Related {
			if r == code {
				bad("%s: related to itself", where)
			} else if _, ok := b.codes[r]; !ok {
				bad("%s: related code %s does not exist", where, r)
			}
		}
		for _, s := range e.Servers {
			if !servers[s.Server] {
				bad("%s: server %q is not in servers.toml", where, s.Server)
			}
			if s.Example == "" && s.Note == "" {
				bad("%s: server %s note has neither example nor note", where, s.Server)
			}
			if s.Example != "" {
				if got, _, ok := ParseReplyLine(s.Example); !ok || got != code {
					bad("%s: %s example %q does not parse back to %s", where, s.Server, s.Example, code)
				}
				// The Debian servers' lines must come from a real capture, not from memory.
				if capture, ok := b.captured[s.Server]; ok && !strings.Contains(capture, s.Example) {
					bad("%s: %s example %q is not in data/captured/%s.txt", where, s.Server, s.Example, s.Server)
				}
			}
		}
	}
	aliases := map[string]string{}
	for _, t := range b.tlist {
		where := "topic " + t.Slug
		if !slugRE.MatchString(t.Slug) {
			bad("%s: slug must be lowercase words joined by hyphens", where)
		}
		if t.Title == "" || t.Summary == "" || len(t.Sections) == 0 {
			bad("%s: needs title, summary and sections", where)
		}
		for _, s := range t.Sections {
			if s.Heading == "" || (s.Body == "" && len(s.Items) == 0) {
				bad("%s: section %q needs a heading and a body or items", where, s.Heading)
			}
		}
		for _, r := range t.Related {
			if _, ok := b.codes[r]; !ok {
				bad("%s: related code %s does not exist", where, r)
			}
		}
		for _, r := range t.RelatedTopics {
			if _, ok := b.topics[r]; !ok || r == t.Slug {
				bad("%s: related topic %q does not exist", where, r)
			}
		}
		for _, a := range t.Aliases {
			a = normalize(a)
			if other, dup := aliases[a]; dup {
				bad("%s: alias %q is also an alias of %s", where, a, other)
			}
			aliases[a] = t.Slug
		}
	}
	ids := map[string]bool{}
	for _, c := range b.clients {
		where := "client error " + c.ID
		if c.ID == "" || ids[c.ID] {
			bad("%s: id is empty or used twice", where)
		}
		ids[c.ID] = true
		if c.Client == "" || len(c.Match) == 0 || c.Meaning == "" || len(c.Fixes) == 0 {
			bad("%s: needs client, match, meaning and fixes", where)
		}
		if c.Code == 0 && c.Topic == "" {
			bad("%s: needs a code or a topic", where)
		}
		if _, ok := b.codes[c.Code]; c.Code != 0 && !ok {
			bad("%s: code %s does not exist", where, c.Code)
		}
		if _, ok := b.topics[c.Topic]; c.Topic != "" && !ok {
			bad("%s: topic %q does not exist", where, c.Topic)
		}
	}
	return errors.Join(errs...)
}

// addTeamNotes reads every *.toml file in dir: [[note]] tables with code or topic, text and author.
func (b *Base) addTeamNotes(dir fs.FS) error {
	files, err := fs.Glob(dir, "*.toml")
	if err != nil {
		return err
	}
	var errs []error
	for _, name := range files {
		var f struct {
			Note []struct {
				Code   Code   `toml:"code"`
				Topic  string `toml:"topic"`
				Text   string `toml:"text"`
				Author string `toml:"author"`
			} `toml:"note"`
		}
		if err := decodeFile(dir, name, &f); err != nil {
			errs = append(errs, fmt.Errorf("team notes %w", err))
			continue
		}
		for i, n := range f.Note {
			note := TeamNote{Text: strings.TrimSpace(n.Text), Author: n.Author}
			switch {
			case note.Text == "":
				errs = append(errs, fmt.Errorf("team notes %s: note %d has no text", name, i+1))
			case n.Code != 0:
				e, ok := b.codes[n.Code]
				if !ok {
					errs = append(errs, fmt.Errorf("team notes %s: note %d is for code %s, which ftpbot does not know", name, i+1, n.Code))
					continue
				}
				e.Team = append(e.Team, note)
			case n.Topic != "":
				t, ok := b.topics[n.Topic]
				if !ok {
					errs = append(errs, fmt.Errorf("team notes %s: note %d is for topic %q, which ftpbot does not know", name, i+1, n.Topic))
					continue
				}
				t.Team = append(t.Team, note)
			default:
				errs = append(errs, fmt.Errorf("team notes %s: note %d names neither a code nor a topic", name, i+1))
			}
		}
	}
	return errors.Join(errs...)
}

// Lookup returns the entry for a code.
func (b *Base) Lookup(c Code) (*Entry, bool) { e, ok := b.codes[c]; return e, ok }

// Codes returns every code in ascending order.
func (b *Base) Codes() []Code { return slices.Clone(b.order) }

// Class returns a class by id ("5xx", "winsock").
func (b *Base) Class(id string) (*Class, bool) { c, ok := b.classes[id]; return c, ok }

// Classes returns the classes in order: 1xx … 6xx, then winsock.
func (b *Base) Classes() []*Class {
	out := make([]*Class, 0, len(b.classes))
	for _, id := range []string{"1xx", "2xx", "3xx", "4xx", "5xx", "6xx", "winsock"} {
		if c, ok := b.classes[id]; ok {
			out = append(out, c)
		}
	}
	return out
}

// Topic returns a topic by slug.
func (b *Base) Topic(slug string) (*Topic, bool) { t, ok := b.topics[slug]; return t, ok }

// Topics returns every topic in slug order.
func (b *Base) Topics() []*Topic { return slices.Clone(b.tlist) }

// ClientErrors returns the client message catalogue.
func (b *Base) ClientErrors() []ClientError { return b.clients }

// Servers returns the server software ftpbot recognises.
func (b *Base) Servers() []Server { return b.servers }

// Server returns a server by id.
func (b *Base) Server(id string) (Server, bool) {
	for _, s := range b.servers {
		if s.ID == id {
			return s, true
		}
	}
	return Server{}, false
}

// RecogniseServer returns the server software whose signature appears in text (a banner, a reply
// line or a whole log), if any.
func (b *Base) RecogniseServer(text string) (Server, bool) {
	lower := strings.ToLower(text)
	for _, s := range b.servers {
		for _, m := range s.Match {
			if strings.Contains(lower, strings.ToLower(m)) {
				return s, true
			}
		}
	}
	return Server{}, false
}
