// Command verifier checks DossierLedger's checkpoints and proofs with the Go checksum
// database's own code (golang.org/x/mod/sumdb/note and sumdb/tlog), independently of the
// Swift code that wrote them.
//
//	verifier -key office.key.pub bundle ho-so.proof.json
//	verifier -key office.key.pub consistency old.checkpoint new.checkpoint proof.json
//
// bundle: opens the bundle's checkpoint with note.Open (the log's key), and checks each event's
// inclusion proof with tlog.CheckRecord, the record being the event's 32-byte hash. (That each
// event's content recomputes to its hash is `dossier verify-proof`'s check: the encoding is
// DossierLedger's own.) consistency: opens both checkpoints and checks the proof written by
// `dossier consistency --format json` with tlog.CheckTree.
//
// Exit status 0 when everything verifies, 1 when something does not (the reason on stderr),
// 2 for bad usage.
package main

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type bundle struct {
	Format     string `json:"format"`
	Dossier    string `json:"dossier"`
	Checkpoint string `json:"checkpoint"`
	Events     []struct {
		Seq            int64    `json:"seq"`
		LeafIndex      int64    `json:"leaf_index"`
		Hash           string   `json:"hash"`
		InclusionProof []string `json:"inclusion_proof"`
	} `json:"events"`
}

type consistency struct {
	OldSize int64    `json:"old_size"`
	OldRoot string   `json:"old_root"`
	NewSize int64    `json:"new_size"`
	NewRoot string   `json:"new_root"`
	Proof   []string `json:"proof"`
}

type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
}

// open checks the note's signature by the log's key and parses its tree (C2SP tlog-checkpoint).
func open(text []byte, verifier note.Verifier) (checkpoint, error) {
	n, err := note.Open(text, note.VerifierList(verifier))
	if err != nil {
		return checkpoint{}, fmt.Errorf("checkpoint: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 {
		return checkpoint{}, errors.New("checkpoint: not an origin, a size and a root")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 {
		return checkpoint{}, errors.New("checkpoint: the size is not a number")
	}
	root, err := decodeHash(lines[2])
	if err != nil {
		return checkpoint{}, fmt.Errorf("checkpoint: root: %v", err)
	}
	return checkpoint{lines[0], size, root}, nil
}

func decodeHash(text string) (tlog.Hash, error) {
	var h tlog.Hash
	b, err := base64.StdEncoding.DecodeString(text)
	if err != nil || len(b) != len(h) {
		return h, errors.New("not 32 bytes of base64")
	}
	copy(h[:], b)
	return h, nil
}

func decodeHashes(texts []string) ([]tlog.Hash, error) {
	hashes := make([]tlog.Hash, len(texts))
	for i, t := range texts {
		h, err := decodeHash(t)
		if err != nil {
			return nil, fmt.Errorf("proof hash %d: %v", i, err)
		}
		hashes[i] = h
	}
	return hashes, nil
}

func checkBundle(path string, verifier note.Verifier) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	var b bundle
	if err := json.Unmarshal(data, &b); err != nil || b.Format != "dossierledger-proof-bundle/1" {
		return "", errors.New("not a dossierledger-proof-bundle/1")
	}
	tree, err := open([]byte(b.Checkpoint), verifier)
	if err != nil {
		return "", err
	}
	if len(b.Events) == 0 {
		return "", errors.New("the bundle holds no event")
	}
	for _, e := range b.Events {
		eventHash, err := hex.DecodeString(e.Hash)
		if err != nil || len(eventHash) != 32 {
			return "", fmt.Errorf("seq %d: the hash is not 64 hex digits", e.Seq)
		}
		if e.LeafIndex != e.Seq-1 {
			return "", fmt.Errorf("seq %d: leaf index %d is not seq - 1", e.Seq, e.LeafIndex)
		}
		proof, err := decodeHashes(e.InclusionProof)
		if err != nil {
			return "", fmt.Errorf("seq %d: %v", e.Seq, err)
		}
		if err := tlog.CheckRecord(proof, tree.size, tree.root, e.LeafIndex, tlog.RecordHash(eventHash)); err != nil {
			return "", fmt.Errorf("seq %d: %v", e.Seq, err)
		}
	}
	return fmt.Sprintf("ok: %d events of %s are in %s of %d records", len(b.Events), b.Dossier, tree.origin, tree.size), nil
}

func checkConsistency(oldPath, newPath, proofPath string, verifier note.Verifier) (string, error) {
	var trees [2]checkpoint
	for i, path := range []string{oldPath, newPath} {
		text, err := os.ReadFile(path)
		if err != nil {
			return "", err
		}
		if trees[i], err = open(text, verifier); err != nil {
			return "", fmt.Errorf("%s: %v", path, err)
		}
	}
	data, err := os.ReadFile(proofPath)
	if err != nil {
		return "", err
	}
	var c consistency
	if err := json.Unmarshal(data, &c); err != nil {
		return "", fmt.Errorf("%s: %v", proofPath, err)
	}
	oldRoot, err1 := decodeHash(c.OldRoot)
	newRoot, err2 := decodeHash(c.NewRoot)
	if err1 != nil || err2 != nil || c.OldSize != trees[0].size || oldRoot != trees[0].root || c.NewSize != trees[1].size || newRoot != trees[1].root {
		return "", errors.New("the proof is not about these two checkpoints")
	}
	proof, err := decodeHashes(c.Proof)
	if err != nil {
		return "", err
	}
	if err := tlog.CheckTree(proof, trees[1].size, trees[1].root, trees[0].size, trees[0].root); err != nil {
		return "", err
	}
	return fmt.Sprintf("ok: the tree of %d records extends the tree of %d", trees[1].size, trees[0].size), nil
}

func main() {
	keyFile := flag.String("key", "", "the log's verifier key file (name+id+base64)")
	flag.Parse()
	args := flag.Args()
	if *keyFile == "" || len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: verifier -key KEY.pub bundle BUNDLE | consistency OLD NEW PROOF")
		os.Exit(2)
	}
	vkey, err := os.ReadFile(*keyFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	verifier, err := note.NewVerifier(strings.TrimSpace(string(vkey)))
	if err != nil {
		fmt.Fprintln(os.Stderr, "key:", err)
		os.Exit(2)
	}
	var message string
	switch {
	case args[0] == "bundle" && len(args) == 2:
		message, err = checkBundle(args[1], verifier)
	case args[0] == "consistency" && len(args) == 4:
		message, err = checkConsistency(args[1], args[2], args[3], verifier)
	default:
		fmt.Fprintln(os.Stderr, "usage: verifier -key KEY.pub bundle BUNDLE | consistency OLD NEW PROOF")
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAILED:", err)
		os.Exit(1)
	}
	fmt.Println(message)
}
