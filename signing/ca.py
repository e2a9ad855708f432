"""A small local certificate authority for the demo and the tests (never for production).

Provincial root → one signing certificate per agency, written as the files production uses:
``<agency code>.p12`` (PKCS#12, encrypted) and ``<agency code>.pass`` (its password) in
``SIGNING_KEYS_DIR``, and ``root-ca.pem``, the trust root the verification page uses.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ROOT_CERT = "root-ca.pem"
ROOT_KEY = "root-ca.key"


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def root_ca(
    directory: Path, *, province: str, not_before: datetime | None = None
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """The demo root in ``directory``, created on first use."""
    cert_path, key_path = directory / ROOT_CERT, directory / ROOT_KEY
    if cert_path.exists() and key_path.exists():
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise TypeError(f"{key_path} is not an EC private key")
        return cert, key
    directory.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(f"{province} – Demo Root CA", province)
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(min(now - timedelta(days=1), not_before or now))
        .not_valid_after(now + timedelta(days=20 * 365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert, key


def _signing_leaf(
    subject: x509.Name,
    root_cert: x509.Certificate,
    public_key: Any,
    start: datetime,
    valid_days: int,
) -> x509.CertificateBuilder:
    """A certificate issued by the demo root whose key signs (agency keys, the timestamp unit)."""
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(root_cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )


def issue_agency_certificate(
    directory: Path,
    *,
    agency_code: str,
    agency_name: str,
    province: str,
    valid_days: int = 730,
    not_before: datetime | None = None,
) -> Path:
    """Write ``<agency_code>.p12`` and its password file, signed by the demo root."""
    start = not_before or datetime.now(UTC) - timedelta(days=1)
    root_cert, root_key = root_ca(directory, province=province, not_before=start)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        _signing_leaf(_name(agency_name, province), root_cert, key.public_key(), start, valid_days)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    password = secrets.token_urlsafe(24)
    bundle = pkcs12.serialize_key_and_certificates(
        name=agency_code.encode(),
        key=key,
        cert=cert,
        cas=[root_cert],
        encryption_algorithm=serialization.BestAvailableEncryption(password.encode()),
    )
    p12 = directory / f"{agency_code}.p12"
    p12.write_bytes(bundle)
    p12.chmod(0o600)
    secret = directory / f"{agency_code}.pass"
    secret.write_text(password)
    secret.chmod(0o600)
    return p12


def issue_timestamping_certificate(
    directory: Path, *, name: str, province: str, valid_days: int = 3650
) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    """A timestamp authority's certificate from the demo root (a local RFC 3161 server).

    RSA: pyHanko's own responder, which the test server uses, signs with RSA only.
    """
    start = datetime.now(UTC) - timedelta(days=1)
    root_cert, root_key = root_ca(directory, province=province, not_before=start)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        _signing_leaf(_name(name, province), root_cert, key.public_key(), start, valid_days)
        # RFC 3161 §2.3: the only extended key usage, and critical.
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    return cert, key
