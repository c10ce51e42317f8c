package bot_test

import (
	"strings"
	"testing"
)

func BenchmarkAskLongQuestion(b *testing.B) {
	e := uncached(b)
	q := "Did a simple FTP transfer from my Raspberry Pi to the NAS last weekend, thumbnails seem to have survived, but the full resolution images seem to be corrupt - unable to load them in any image program, file repair utilities unsuccessful, what could it be?"
	b.ReportAllocs()
	for b.Loop() {
		e.Ask(q)
	}
}

func BenchmarkAskCJK(b *testing.B) {
	e := uncached(b)
	b.ReportAllocs()
	for b.Loop() {
		e.Ask("FTP上传中文文件名乱码怎么办")
	}
}

// BenchmarkAskHugeLine: a 512 KB paste on one line must cost a bounded search, not seconds.
func BenchmarkAskHugeLine(b *testing.B) {
	e := uncached(b)
	line := "550 Permission denied. " + strings.Repeat("lorem ipsum dolor sit amet ", 512<<10/27)
	b.ReportAllocs()
	for b.Loop() {
		e.Ask(line)
	}
}
