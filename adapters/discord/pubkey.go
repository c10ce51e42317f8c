package discord

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"errors"

	"filippo.io/edwards25519"
)

// CheckPublicKey checks an application's public key as hex: 32 bytes that encode a point on
// the curve of more than small order. Against a key of small order (the identity, all zeros
// and the other points of order 2, 4 or 8) a signature can be forged without the private key,
// so such a key would let anyone send interactions; Discord never issues one.
func CheckPublicKey(hexKey string) error {
	k, err := hex.DecodeString(hexKey)
	if err != nil || len(k) != ed25519.PublicKeySize {
		return errors.New("it must be 64 hexadecimal characters")
	}
	p, err := new(edwards25519.Point).SetBytes(k)
	if err != nil || !bytes.Equal(p.Bytes(), k) {
		// Not on the curve, or a non-canonical encoding (RFC 8032 refuses y ≥ p): not a key
		// any real signer has.
		return errors.New("it is not an Ed25519 public key")
	}
	if new(edwards25519.Point).MultByCofactor(p).Equal(edwards25519.NewIdentityPoint()) == 1 {
		return errors.New("it is a weak (small-order) key that accepts forged signatures; copy the key from the Discord developer portal")
	}
	return nil
}
