package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/gosimplejwt/simplejwt"
	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
)

// parsePEM returns the first key of PEM data: a private key (PKCS#8,
// PKCS#1 or SEC 1) or a public key (PKIX or PKCS#1).
func parsePEM(data []byte) (crypto.PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block found")
	}
	switch block.Type {
	case "PRIVATE KEY":
		return x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		return x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		return x509.ParseECPrivateKey(block.Bytes)
	case "PUBLIC KEY":
		return x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		return x509.ParsePKCS1PublicKey(block.Bytes)
	}
	return nil, fmt.Errorf("PEM block %q is not a key", block.Type)
}

// publicKey returns the public half of key, or key when it is public.
func publicKey(key crypto.PublicKey) crypto.PublicKey {
	if k, ok := key.(interface{ Public() crypto.PublicKey }); ok {
		return k.Public()
	}
	return key
}

// inferAlg returns the algorithm a key is most commonly used with.
func inferAlg(key crypto.PublicKey) (simplejwt.Algorithm, error) {
	switch k := publicKey(key).(type) {
	case *rsa.PublicKey:
		return simplejwt.RS256, nil
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return simplejwt.ES256, nil
		case elliptic.P384():
			return simplejwt.ES384, nil
		case elliptic.P521():
			return simplejwt.ES512, nil
		}
		return "", fmt.Errorf("ECDSA curve %s has no JWS algorithm", k.Curve.Params().Name)
	case ed25519.PublicKey:
		return simplejwt.EdDSA, nil
	}
	return "", fmt.Errorf("%T keys cannot sign JWTs", key)
}

// parsePEMKey is simplejwt.ParsePEMKey, inferring alg from the key when it
// is "".
func parsePEMKey(alg simplejwt.Algorithm, data []byte) (*simplejwt.Key, error) {
	if alg == "" {
		key, err := parsePEM(data)
		if err != nil {
			return nil, err
		}
		if alg, err = inferAlg(key); err != nil {
			return nil, err
		}
	}
	return simplejwt.ParsePEMKey(alg, data)
}

// publicJWK returns the public JWK of key for alg: kty and the public
// members, alg, use "sig" and, when kid is set, kid.
func publicJWK(key crypto.PublicKey, alg simplejwt.Algorithm, kid string) (jwk.Key, error) {
	jk, err := jwk.FromRaw(publicKey(key))
	if err != nil {
		return nil, err
	}
	return jk, setJWKMeta(jk, alg, kid)
}

func setJWKMeta(jk jwk.Key, alg simplejwt.Algorithm, kid string) error {
	if err := jk.Set(jwk.AlgorithmKey, jwa.SignatureAlgorithm(alg)); err != nil {
		return err
	}
	if err := jk.Set(jwk.KeyUsageKey, jwk.ForSignature); err != nil {
		return err
	}
	if kid != "" {
		return jk.Set(jwk.KeyIDKey, kid)
	}
	return nil
}

func writeJSON(c *cli, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(c.stdout, "%s\n", b)
	return err
}

// hmacSize is the length of a generated HMAC secret: the size of the hash.
func hmacSize(alg simplejwt.Algorithm) int {
	switch alg {
	case simplejwt.HS384:
		return 48
	case simplejwt.HS512:
		return 64
	}
	return 32
}

func keygenCommand() *command {
	return &command{
		name:    "keygen",
		args:    "--alg ALG [--kid K] [--bits N] [--out FILE]",
		summary: "make a signing key and print it with its JWK",
		details: `
Makes a new signing key for ALG (HS256, HS384, HS512, RS256, RS384, RS512,
PS256, PS384, PS512, ES256, ES384, ES512 or EdDSA) and prints it followed by
its public JWK. Asymmetric keys are printed as PKCS#8 PEM ("PRIVATE KEY");
use the file with --key.

For HS* the key is a random secret of the hash's size, written as base64url
text: that text, as it is, is the secret to give to --secret, --secret-file
or JWT_SIGNING_KEY (SimpleJWT: SIGNING_KEY). Its JWK is of type "oct" and
holds the secret itself: keep it as private as the secret.

With --out the private key or secret goes to FILE (created with mode 0600,
never overwritten) and only the JWK is printed.`,
		setup: func(fs *flag.FlagSet) func(*cli, []string) error {
			alg := fs.String("alg", "", "signature `algorithm` of the key (required)")
			kid := fs.String("kid", "", "key `id` written into the JWK")
			bits := fs.Int("bits", 2048, "RSA modulus size in `bits`, 2048 to 8192")
			out := fs.String("out", "", "write the private key or secret to `file` instead of standard output")
			return func(c *cli, args []string) error {
				if err := noArgs(args); err != nil {
					return err
				}
				if *alg == "" {
					return usagef("missing --alg")
				}
				a, err := simplejwt.ParseAlgorithm(*alg)
				if err != nil {
					return usagef("--alg: %v", oneLine(err.Error()))
				}
				if *bits < 2048 || *bits > 8192 {
					return usagef("--bits must be between 2048 and 8192, got %d", *bits)
				}
				return keygen(c, a, *kid, *bits, *out)
			}
		},
	}
}

func keygen(c *cli, alg simplejwt.Algorithm, kid string, bits int, out string) error {
	var (
		private []byte  // what goes to --out or stdout
		jk      jwk.Key // what is printed
	)
	if isHMAC(alg) {
		raw := make([]byte, hmacSize(alg))
		rand.Read(raw)
		secret := base64.RawURLEncoding.EncodeToString(raw)
		if _, err := simplejwt.NewHMACKey(alg, []byte(secret)); err != nil {
			return err
		}
		var err error
		if jk, err = jwk.FromRaw([]byte(secret)); err != nil {
			return err
		}
		if err := setJWKMeta(jk, alg, kid); err != nil {
			return err
		}
		private = []byte(secret + "\n")
		fmt.Fprintln(c.stderr, "simplejwt keygen: warning: this JWK is the secret itself (kty \"oct\"); never publish it")
	} else {
		var (
			key crypto.Signer
			err error
		)
		switch alg {
		case simplejwt.ES256:
			key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		case simplejwt.ES384:
			key, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		case simplejwt.ES512:
			key, err = ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
		case simplejwt.EdDSA:
			_, key, err = ed25519.GenerateKey(rand.Reader)
		default: // RS*, PS*
			key, err = rsa.GenerateKey(rand.Reader, bits)
		}
		if err != nil {
			return err
		}
		// Prove the key works with the library before anyone depends on it.
		if _, err := simplejwt.NewKey(alg, key); err != nil {
			return err
		}
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return err
		}
		private = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
		if jk, err = publicJWK(key, alg, kid); err != nil {
			return err
		}
	}
	if out != "" {
		f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		_, err = f.Write(private)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(out)
			return fmt.Errorf("--out: %w", err)
		}
	} else if _, err := c.stdout.Write(private); err != nil {
		return err
	}
	return writeJSON(c, jk)
}

func jwksCommand() *command {
	return &command{
		name:    "jwks",
		args:    "--key FILE [--alg ALG] [--kid K]",
		summary: "print the JWK Set of a key's public half",
		details: `
Prints a JWK Set holding the public key of the PEM file (private or public),
with alg, use "sig" and, with --kid, kid: the document a JWKS endpoint
serves and that ParseJWKSet reads. Private material is never printed.

The algorithm is inferred from the key (RSA: RS256, EC: by curve, Ed25519:
EdDSA) unless --alg names another (PS256 for an RSA key, say). HMAC secrets
have no public half and are refused.`,
		setup: func(fs *flag.FlagSet) func(*cli, []string) error {
			keyFile := fs.String("key", "", "PEM `file` holding the private or public key (required)")
			alg := fs.String("alg", "", "signature `algorithm` (default inferred from the key)")
			kid := fs.String("kid", "", "key `id`; tokens must then carry the same kid (mint --kid)")
			return func(c *cli, args []string) error {
				if err := noArgs(args); err != nil {
					return err
				}
				if *keyFile == "" {
					return usagef("missing --key")
				}
				var a simplejwt.Algorithm
				if *alg != "" {
					var err error
					if a, err = simplejwt.ParseAlgorithm(*alg); err != nil {
						return usagef("--alg: %v", oneLine(err.Error()))
					}
					if isHMAC(a) {
						return usagef("--alg %s: HMAC secrets have no public key to publish", a)
					}
				}
				data, err := os.ReadFile(*keyFile)
				if err != nil {
					return fmt.Errorf("--key: %w", err)
				}
				key, err := parsePEM(data)
				if err != nil {
					return fmt.Errorf("--key %s: %w", *keyFile, err)
				}
				if a == "" {
					if a, err = inferAlg(key); err != nil {
						return fmt.Errorf("--key %s: %w", *keyFile, err)
					}
				}
				// The library must accept the key for a (curve, RSA size).
				if _, err := simplejwt.ParsePEMKey(a, data); err != nil {
					return fmt.Errorf("--key %s: %w", *keyFile, err)
				}
				jk, err := publicJWK(key, a, *kid)
				if err != nil {
					return fmt.Errorf("--key %s: %w", *keyFile, err)
				}
				set := jwk.NewSet()
				if err := set.AddKey(jk); err != nil {
					return err
				}
				return writeJSON(c, set)
			}
		},
	}
}
