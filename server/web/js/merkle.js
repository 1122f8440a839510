// Checks RFC 6962 / RFC 9162 inclusion and consistency proofs in the browser (server/AUDIT.md):
// leaf = SHA-256(0x00 || entry), node = SHA-256(0x01 || left || right).
const hexToBytes = (hex) => Uint8Array.from(hex.match(/../g) || [], (b) => parseInt(b, 16));
const bytesToHex = (bytes) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');

async function sha256(...parts) {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return new Uint8Array(await crypto.subtle.digest('SHA-256', all));
}

export const canVerify = () => Boolean(globalThis.crypto && crypto.subtle);

export async function leafHash(entry) {
  return bytesToHex(await sha256(Uint8Array.of(0), new TextEncoder().encode(entry)));
}

// RFC 9162 section 2.1.3.2: does `proof` lead from the leaf at `index` of a tree
// of `size` leaves to `head`?
export async function verifyInclusion(leafHex, index, size, proof, head) {
  if (index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = hexToBytes(leafHex);
  for (const hex of proof) {
    const p = hexToBytes(hex);
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = await sha256(Uint8Array.of(1), p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = await sha256(Uint8Array.of(1), r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && bytesToHex(r) === head.toLowerCase();
}

const EMPTY_HEAD = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

// RFC 9162 section 2.1.4.2: does `proof` show that the log of `first` ballots
// with head `firstHead` is a prefix of the log of `second` with `secondHead`?
export async function verifyConsistency(first, firstHead, second, secondHead, proof) {
  const hex = /^[0-9a-f]{64}$/;
  firstHead = String(firstHead).toLowerCase();
  secondHead = String(secondHead).toLowerCase();
  if (!hex.test(firstHead) || !hex.test(secondHead) || !proof.every((p) => hex.test(p)) || first > second) return false;
  if (first === second) return proof.length === 0 && firstHead === secondHead;
  if (first === 0) return proof.length === 0 && firstHead === EMPTY_HEAD;
  if (proof.length === 0) return false;
  const path = proof.map(hexToBytes);
  if ((first & (first - 1)) === 0) path.unshift(hexToBytes(firstHead));  // the old log is a whole subtree
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = await sha256(Uint8Array.of(1), c, fr);
      sr = await sha256(Uint8Array.of(1), c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = await sha256(Uint8Array.of(1), sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && bytesToHex(fr) === firstHead && bytesToHex(sr) === secondHead;
}
