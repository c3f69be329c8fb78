package sqlitestore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"
)

// This file reads SQLite's WAL and wal-index (-shm) files, whose formats are
// documented at https://www.sqlite.org/fileformat2.html#walformat and
// https://www.sqlite.org/walformat.html, to notice what SQLite itself
// passes over in silence: when it opens a journal after a crash it replays
// the -wal file up to the first frame that is missing or fails its
// checksum, and drops the rest, committed or not. The -shm file, which
// survives the crash of the process, says how many frames were committed
// (mxFrame) and how many of them are already copied into the main file
// (nBackfill): every frame in between must be in the -wal, whole and with
// the right checksums, or committed events were lost.

const (
	walHeaderSize      = 32
	walFrameHeaderSize = 24
	walMagicLE         = 0x377f0682 // checksums over little-endian words
	walMagicBE         = 0x377f0683 // checksums over big-endian words
	walFormatVersion   = 3007000

	shmHeaderSize = 48 // one copy of the wal-index header; two copies follow each other
	shmNBackfill  = 2 * shmHeaderSize
	shmMinSize    = shmNBackfill + 4
	// shmDMSByte is the byte of the -shm file that every connection
	// holding the journal open keeps a read lock on (SQLite's "dead man
	// switch", UNIX_SHM_DMS in os_unix.c).
	shmDMSByte = 128
)

// walIndex is the part of the wal-index header this check needs.
type walIndex struct {
	raw        []byte // both header copies, to tell whether it changed since
	pageSize   int
	mxFrame    uint32 // frames of the -wal that hold committed transactions
	nBackfill  uint32 // of those, frames already copied into the main file
	salt       [8]byte
	frameCksum [2]uint32
}

// readWALIndex reads the wal-index header from the -shm file. ok is false
// when it is missing, was written before the machine last booted, or is not
// a consistent, initialised header (a crash while SQLite was writing it, or
// a file truncated by SQLite's next opener): nothing can then be said from
// it.
func readWALIndex(shm string) (idx walIndex, ok bool, err error) {
	f, err := os.Open(shm)
	if errors.Is(err, fs.ErrNotExist) {
		return idx, false, nil
	}
	if err != nil {
		return idx, false, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !shmCurrent(fi.ModTime()) {
		return idx, false, err
	}
	buf := make([]byte, shmMinSize)
	if _, err := io.ReadFull(f, buf); errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return idx, false, nil
	} else if err != nil {
		return idx, false, err
	}
	h1, h2 := buf[:shmHeaderSize], buf[shmHeaderSize:2*shmHeaderSize]
	// The wal-index is in the host's byte order (it is shared memory).
	ne := binary.NativeEndian
	if !bytes.Equal(h1, h2) || h1[12] != 1 || ne.Uint32(h1[0:]) != walFormatVersion {
		return idx, false, nil
	}
	if s1, s2 := walChecksum(ne, h1[:40], 0, 0); s1 != ne.Uint32(h1[40:]) || s2 != ne.Uint32(h1[44:]) {
		return idx, false, nil
	}
	sz := int(ne.Uint16(h1[14:]))
	idx = walIndex{
		raw:        buf[:2*shmHeaderSize],
		pageSize:   sz&0xfe00 + (sz&1)<<16, // 65536 is stored as 1
		mxFrame:    ne.Uint32(h1[16:]),
		nBackfill:  ne.Uint32(buf[shmNBackfill:]),
		frameCksum: [2]uint32{ne.Uint32(h1[24:]), ne.Uint32(h1[28:])},
	}
	copy(idx.salt[:], h1[32:40])
	return idx, true, nil
}

// walChecksum is SQLite's WAL checksum (walChecksumBytes in wal.c) over
// data, a multiple of 8 bytes read as 32-bit words in order bo, continuing
// from s1, s2.
func walChecksum(bo binary.ByteOrder, data []byte, s1, s2 uint32) (uint32, uint32) {
	for i := 0; i+8 <= len(data); i += 8 {
		s1 += bo.Uint32(data[i:]) + s2
		s2 += bo.Uint32(data[i+4:]) + s1
	}
	return s1, s2
}

// checkWAL compares the -wal file with the wal-index: it returns what is
// wrong ("" if nothing) with the frames the index says are committed but
// not yet in the main file.
func checkWAL(wal string, idx walIndex) (string, error) {
	if idx.mxFrame <= idx.nBackfill {
		return "", nil // every committed frame is in the main file already
	}
	pending := idx.mxFrame - idx.nBackfill
	f, err := os.Open(wal)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Sprintf("its -wal file is missing, but its -shm file records %d committed WAL frames not yet in the main file", pending), nil
	}
	if err != nil {
		return "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	frameSize := int64(walFrameHeaderSize + idx.pageSize)
	if want := walHeaderSize + int64(idx.mxFrame)*frameSize; fi.Size() < want {
		return fmt.Sprintf("its -wal file is %d bytes long, but its -shm file records %d committed WAL frames (%d bytes): it was truncated",
			fi.Size(), idx.mxFrame, want), nil
	}
	hdr := make([]byte, walHeaderSize)
	if _, err := io.ReadFull(f, hdr); err != nil {
		return "", err
	}
	be := binary.BigEndian
	var bo binary.ByteOrder
	switch be.Uint32(hdr) {
	case walMagicLE:
		bo = binary.LittleEndian
	case walMagicBE:
		bo = binary.BigEndian
	default:
		return "its -wal file does not start with a WAL header", nil
	}
	if be.Uint32(hdr[8:]) != uint32(idx.pageSize) || !bytes.Equal(hdr[16:24], idx.salt[:]) {
		return "its -wal file is not the one its -shm file describes (page size or salt differ)", nil
	}
	s1, s2 := walChecksum(bo, hdr[:24], 0, 0)
	if s1 != be.Uint32(hdr[24:]) || s2 != be.Uint32(hdr[28:]) {
		return "the header of its -wal file fails its checksum", nil
	}
	frame := make([]byte, frameSize)
	for n := uint32(1); n <= idx.mxFrame; n++ {
		if _, err := io.ReadFull(f, frame); err != nil {
			return "", err
		}
		s1, s2 = walChecksum(bo, frame[:8], s1, s2)
		s1, s2 = walChecksum(bo, frame[walFrameHeaderSize:], s1, s2)
		if !bytes.Equal(frame[8:16], idx.salt[:]) || s1 != be.Uint32(frame[16:]) || s2 != be.Uint32(frame[20:]) {
			return fmt.Sprintf("frame %d of the %d committed frames of its -wal file fails its checksum: it was corrupted", n, idx.mxFrame), nil
		}
	}
	if be.Uint32(frame[4:]) == 0 || s1 != idx.frameCksum[0] || s2 != idx.frameCksum[1] {
		return fmt.Sprintf("its -wal file does not end a transaction at frame %d, where its -shm file says the last one ended", idx.mxFrame), nil
	}
	return "", nil
}

// shmCurrent reports whether a -shm file last written at mtime tells the
// truth about its -wal file. SQLite never fsyncs the -shm file (it is
// shared memory): after a process crash the machine's page cache keeps it
// exact, but after a power loss or a reboot it may hold any older state,
// from before a checkpoint that emptied the -wal file or restarted it with
// new salts, and would make an intact journal look damaged. Only a -shm
// file written since the machine booted is evidence.
func shmCurrent(mtime time.Time) bool {
	boot, ok := bootTime()
	return ok && !mtime.Before(boot)
}
