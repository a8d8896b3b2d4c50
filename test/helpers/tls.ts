import selfsigned from 'selfsigned';

let cached: Promise<{ key: string; cert: string }> | null = null;

/** A self-signed certificate for 127.0.0.1/localhost, made once per test process. */
export function testCertificate(): Promise<{ key: string; cert: string }> {
  cached ??= selfsigned
    .generate([{ name: 'commonName', value: 'localhost' }], {
      keySize: 2048,
      algorithm: 'sha256',
      extensions: [
        { name: 'basicConstraints', cA: true },
        { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] },
      ],
    })
    .then((p) => ({ key: p.private, cert: p.cert }));
  return cached;
}
