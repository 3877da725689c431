// `npm run totp -- <Base32 secret>`: the code an authenticator app shows now for a TOTP secret (RFC 6238:
// SHA-1, 6 digits, 30-second steps), for trying the second factor from a shell (docs/mfa.md). `oathtool
// --totp -b <secret>` (Debian's oathtool) prints the same.
import { Secret, TOTP } from "otpauth";

const [secret] = process.argv.slice(2);
if (!secret || !/^[A-Z2-7]+=*$/i.test(secret)) {
  console.error("Usage: npm run totp -- <Base32 secret>   (the `secret` of POST /api/mfa/totp/)");
  process.exit(2);
}
console.log(TOTP.generate({ secret: Secret.fromBase32(secret.toUpperCase()), digits: 6, period: 30 }));
