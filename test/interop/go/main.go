// Command tlogcheck reads a Countersign audit log through its C2SP tlog-tiles endpoints and
// checks it with golang.org/x/mod/sumdb/tlog and golang.org/x/mod/sumdb/note, an implementation
// independent of Countersign: the checkpoint signature (note.Open), the tree hash from the hash
// tiles (tlog.TileHashReader, tlog.TreeHash), every entry against its leaf (tlog.RecordHash),
// inclusion and consistency proofs built by tlog from the tiles and served by the log
// (tlog.ProveRecord/CheckRecord, tlog.ProveTree/CheckTree), and witness cosignatures.
//
// x/mod's note package has no cosignature/v1 support (as of v0.7.0), so cosignatures are checked
// here by hand with crypto/ed25519, following c2sp.org/tlog-cosignature.
//
// Usage: tlogcheck -url http://127.0.0.1:PORT/v1/audit -token KEY -log-key VKEY [-witness-key VKEY]... [-old N]...
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

var (
	base   = flag.String("url", "", "the log's API base, e.g. http://127.0.0.1:8080/v1/audit")
	token  = flag.String("token", "", "bearer token with audit:read")
	logKey = flag.String("log-key", "", "the log checkpoint verifier key")
	client = &http.Client{Timeout: 30 * time.Second}
)

func get(path string) ([]byte, error) {
	req, err := http.NewRequest("GET", *base+"/"+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+*token)
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	return body, nil
}

// tileReader fetches hash tiles in the tlog-tiles layout: x/mod's paths carry the height
// ("tile/8/L/N"), C2SP's do not ("tile/L/N").
type tileReader struct{ fetched int }

func (r *tileReader) Height() int { return 8 }

func (r *tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		p := strings.TrimPrefix(t.Path(), "tile/8/")
		data, err := get("tiles/tile/" + p)
		if err != nil {
			return nil, err
		}
		r.fetched++
		out[i] = data
	}
	return out, nil
}

func (r *tileReader) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

type checkpoint struct {
	origin string
	tree   tlog.Tree
	body   string
}

func parseCheckpoint(text string) (checkpoint, error) {
	lines := strings.SplitN(text, "\n", 4)
	if len(lines) < 4 {
		return checkpoint{}, errors.New("checkpoint body too short")
	}
	n, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		return checkpoint{}, err
	}
	h, err := tlog.ParseHash(lines[2])
	if err != nil {
		return checkpoint{}, err
	}
	return checkpoint{origin: lines[0], tree: tlog.Tree{N: n, Hash: h}, body: text}, nil
}

// cosigner is a cosignature/v1 (type 0x04) verifier key.
type cosigner struct {
	name string
	id   []byte
	key  ed25519.PublicKey
}

func parseCosigner(vkey string) (cosigner, error) {
	parts := strings.SplitN(vkey, "+", 3)
	if len(parts) != 3 {
		return cosigner{}, errors.New("witness key must be name+id+key")
	}
	material, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(material) != 33 || material[0] != 0x04 {
		return cosigner{}, errors.New("witness key is not an Ed25519 cosignature/v1 key")
	}
	h := sha256.Sum256(append([]byte(parts[0]+"\n\x04"), material[1:]...))
	if hex.EncodeToString(h[:4]) != parts[1] {
		return cosigner{}, errors.New("witness key ID does not match")
	}
	return cosigner{name: parts[0], id: h[:4], key: ed25519.PublicKey(material[1:])}, nil
}

// checkCosignature finds c's signature line in the note and verifies it over
// "cosignature/v1\ntime <t>\n" + body.
func checkCosignature(c cosigner, n *note.Note) (int64, error) {
	for _, sig := range append(append([]note.Signature{}, n.Sigs...), n.UnverifiedSigs...) {
		if sig.Name != c.name {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(sig.Base64)
		if err != nil || len(raw) != 4+8+64 || !bytes.Equal(raw[:4], c.id) {
			continue
		}
		t := binary.BigEndian.Uint64(raw[4:12])
		msg := fmt.Sprintf("cosignature/v1\ntime %d\n%s", t, n.Text)
		if !ed25519.Verify(c.key, []byte(msg), raw[12:]) {
			return 0, fmt.Errorf("cosignature by %s does not verify", c.name)
		}
		return int64(t), nil
	}
	return 0, fmt.Errorf("no cosignature by %s", c.name)
}

func decodeBundle(data []byte) ([][]byte, error) {
	var out [][]byte
	for len(data) > 0 {
		if len(data) < 2 {
			return nil, errors.New("truncated entry length")
		}
		n := int(binary.BigEndian.Uint16(data))
		if len(data) < 2+n {
			return nil, errors.New("truncated entry")
		}
		out = append(out, data[2:2+n])
		data = data[2+n:]
	}
	return out, nil
}

func hashesFromHex(list []string) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(list))
	for i, s := range list {
		b, err := hex.DecodeString(s)
		if err != nil || len(b) != 32 {
			return nil, errors.New("bad proof hash")
		}
		copy(out[i][:], b)
	}
	return out, nil
}

func run(witnessKeys, olds []string) (map[string]interface{}, error) {
	verifier, err := note.NewVerifier(*logKey)
	if err != nil {
		return nil, fmt.Errorf("log key: %w", err)
	}
	raw, err := get("tiles/checkpoint")
	if err != nil {
		return nil, err
	}
	n, err := note.Open(raw, note.VerifierList(verifier))
	if err != nil {
		return nil, fmt.Errorf("note.Open: %w", err)
	}
	cp, err := parseCheckpoint(n.Text)
	if err != nil {
		return nil, err
	}
	tr := &tileReader{}
	hr := tlog.TileHashReader(cp.tree, tr)
	th, err := tlog.TreeHash(cp.tree.N, hr)
	if err != nil {
		return nil, fmt.Errorf("TreeHash: %w", err)
	}
	if th != cp.tree.Hash {
		return nil, errors.New("the tree hash from the tiles differs from the checkpoint")
	}
	// every entry hashes to its stored leaf, and its inclusion proof checks
	var entries [][]byte
	for i := int64(0); i*256 < cp.tree.N; i++ {
		t := tlog.Tile{H: 8, L: -1, N: i, W: int(min64(256, cp.tree.N-i*256))}
		p := strings.Replace(strings.TrimPrefix(t.Path(), "tile/8/"), "data/", "entries/", 1)
		data, err := get("tiles/tile/" + p)
		if err != nil {
			return nil, err
		}
		es, err := decodeBundle(data)
		if err != nil || len(es) != t.W {
			return nil, fmt.Errorf("entry bundle %s: %v (%d entries)", p, err, len(es))
		}
		entries = append(entries, es...)
	}
	for i, e := range entries {
		if !json.Valid(e) {
			return nil, fmt.Errorf("entry %d is not JSON", i)
		}
		leaf := tlog.RecordHash(e)
		stored, err := hr.ReadHashes([]int64{tlog.StoredHashIndex(0, int64(i))})
		if err != nil || stored[0] != leaf {
			return nil, fmt.Errorf("entry %d does not hash to its leaf", i)
		}
		proof, err := tlog.ProveRecord(cp.tree.N, int64(i), hr)
		if err != nil {
			return nil, err
		}
		if err := tlog.CheckRecord(proof, cp.tree.N, th, int64(i), leaf); err != nil {
			return nil, fmt.Errorf("inclusion of %d: %w", i, err)
		}
	}
	// the log's own inclusion proofs (RFC 9162, as served) check with tlog too
	served := 0
	for _, i := range []int64{0, cp.tree.N / 2, cp.tree.N - 1} {
		body, err := get(fmt.Sprintf("proofs/inclusion?index=%d&size=%d", i, cp.tree.N))
		if err != nil {
			return nil, err
		}
		var r struct{ Proof []string }
		if err := json.Unmarshal(body, &r); err != nil {
			return nil, err
		}
		proof, err := hashesFromHex(r.Proof)
		if err != nil {
			return nil, err
		}
		if err := tlog.CheckRecord(proof, cp.tree.N, th, i, tlog.RecordHash(entries[i])); err != nil {
			return nil, fmt.Errorf("served inclusion proof of %d: %w", i, err)
		}
		served++
	}
	// consistency from each older size: built by tlog from the tiles, and as the log serves it
	consistency := 0
	for _, o := range olds {
		m, err := strconv.ParseInt(o, 10, 64)
		if err != nil || m < 1 || m > cp.tree.N {
			return nil, fmt.Errorf("bad -old %q", o)
		}
		oldHash, err := tlog.TreeHash(m, hr)
		if err != nil {
			return nil, err
		}
		p, err := tlog.ProveTree(cp.tree.N, m, hr)
		if err != nil {
			return nil, err
		}
		if err := tlog.CheckTree(p, cp.tree.N, th, m, oldHash); err != nil {
			return nil, fmt.Errorf("consistency %d→%d: %w", m, cp.tree.N, err)
		}
		body, err := get(fmt.Sprintf("proofs/consistency?from=%d&to=%d", m, cp.tree.N))
		if err != nil {
			return nil, err
		}
		var r struct {
			Proof        []string
			FromRootHash string
		}
		if err := json.Unmarshal(body, &r); err != nil {
			return nil, err
		}
		sp, err := hashesFromHex(r.Proof)
		if err != nil {
			return nil, err
		}
		if err := tlog.CheckTree(sp, cp.tree.N, th, m, oldHash); err != nil {
			return nil, fmt.Errorf("served consistency proof %d→%d: %w", m, cp.tree.N, err)
		}
		if r.FromRootHash != hex.EncodeToString(oldHash[:]) {
			return nil, fmt.Errorf("served root at %d differs from tlog.TreeHash", m)
		}
		consistency++
	}
	cosigned := []string{}
	for _, wk := range witnessKeys {
		c, err := parseCosigner(wk)
		if err != nil {
			return nil, err
		}
		if _, err := checkCosignature(c, n); err != nil {
			return nil, err
		}
		cosigned = append(cosigned, c.name)
	}
	return map[string]interface{}{
		"origin":            cp.origin,
		"size":              cp.tree.N,
		"root":              cp.tree.Hash.String(),
		"signedBy":          n.Sigs[0].Name,
		"entries":           len(entries),
		"tilesFetched":      tr.fetched,
		"servedInclusion":   served,
		"consistencyChecks": consistency,
		"cosignedBy":        cosigned,
	}, nil
}

func min64(a, b int64) int64 {
	if a < b {
		return a
	}
	return b
}

func main() {
	var witnessKeys, olds multiFlag
	flag.Var(&witnessKeys, "witness-key", "a witness cosignature/v1 verifier key (repeatable)")
	flag.Var(&olds, "old", "an older tree size to check consistency from (repeatable)")
	flag.Parse()
	out, err := run(witnessKeys, olds)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tlogcheck:", err)
		os.Exit(1)
	}
	_ = json.NewEncoder(os.Stdout).Encode(out)
}
