;; Philox4x32-10 draw blocks in WebAssembly: the same function as philox4x32 in philox.ts,
;; with the exact 32x32 -> 64-bit products done by one i64.mul each.
;; Writes the 4 output words of counters (first + b, 0, 0, c3), b = 0..n-1, under key
;; (k0, k1), to linear memory at byte offset 16 b (little-endian u32 words).
;; Built by `npm run build:wasm` into philox-wasm.ts (base64); test/core/random checks the
;; bytes match this source and the words match the TypeScript Philox.
(module
  (memory (export "memory") 1)
  (func (export "drawBlocks") (param $k0 i32) (param $k1 i32) (param $first i32) (param $c3 i32) (param $n i32)
    (local $b i32) (local $r i32) (local $ptr i32)
    (local $x0 i32) (local $x1 i32) (local $x2 i32) (local $x3 i32)
    (local $ka i32) (local $kb i32) (local $p0 i64) (local $p1 i64)
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $b) (local.get $n)))
        (local.set $x0 (i32.add (local.get $first) (local.get $b)))
        (local.set $x1 (i32.const 0))
        (local.set $x2 (i32.const 0))
        (local.set $x3 (local.get $c3))
        (local.set $ka (local.get $k0))
        (local.set $kb (local.get $k1))
        (local.set $r (i32.const 0))
        (loop $rounds
          ;; (hi0, lo0) = M0 x0, (hi1, lo1) = M1 x2, exact 64-bit products
          (local.set $p0 (i64.mul (i64.extend_i32_u (local.get $x0)) (i64.const 0xD2511F53)))
          (local.set $p1 (i64.mul (i64.extend_i32_u (local.get $x2)) (i64.const 0xCD9E8D57)))
          ;; (x0, x1, x2, x3) <- (hi1 ^ x1 ^ ka, lo1, hi0 ^ x3 ^ kb, lo0)
          (local.set $x0 (i32.xor (i32.xor (i32.wrap_i64 (i64.shr_u (local.get $p1) (i64.const 32))) (local.get $x1)) (local.get $ka)))
          (local.set $x1 (i32.wrap_i64 (local.get $p1)))
          (local.set $x2 (i32.xor (i32.xor (i32.wrap_i64 (i64.shr_u (local.get $p0) (i64.const 32))) (local.get $x3)) (local.get $kb)))
          (local.set $x3 (i32.wrap_i64 (local.get $p0)))
          ;; Weyl key schedule
          (local.set $ka (i32.add (local.get $ka) (i32.const 0x9E3779B9)))
          (local.set $kb (i32.add (local.get $kb) (i32.const 0xBB67AE85)))
          (local.set $r (i32.add (local.get $r) (i32.const 1)))
          (br_if $rounds (i32.lt_u (local.get $r) (i32.const 10))))
        (i32.store offset=0 (local.get $ptr) (local.get $x0))
        (i32.store offset=4 (local.get $ptr) (local.get $x1))
        (i32.store offset=8 (local.get $ptr) (local.get $x2))
        (i32.store offset=12 (local.get $ptr) (local.get $x3))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $blocks))))
  ;; Two blocks per iteration (counters first + 2j and first + 2j + 1): the two Philox
  ;; chains are independent, so their multiplications overlap in the CPU's pipeline (one
  ;; chain alone is bound by the latency of mul -> shift -> xor). Same words as drawBlocks;
  ;; n must be even.
  (func (export "drawBlockPairs") (param $k0 i32) (param $k1 i32) (param $first i32) (param $c3 i32) (param $n i32)
    (local $b i32) (local $r i32) (local $ptr i32)
    (local $x0 i32) (local $x1 i32) (local $x2 i32) (local $x3 i32)
    (local $y0 i32) (local $y1 i32) (local $y2 i32) (local $y3 i32)
    (local $ka i32) (local $kb i32) (local $p0 i64) (local $p1 i64) (local $q0 i64) (local $q1 i64)
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $b) (local.get $n)))
        (local.set $x0 (i32.add (local.get $first) (local.get $b)))
        (local.set $y0 (i32.add (local.get $x0) (i32.const 1)))
        (local.set $x1 (i32.const 0))
        (local.set $x2 (i32.const 0))
        (local.set $x3 (local.get $c3))
        (local.set $y1 (i32.const 0))
        (local.set $y2 (i32.const 0))
        (local.set $y3 (local.get $c3))
        (local.set $ka (local.get $k0))
        (local.set $kb (local.get $k1))
        (local.set $r (i32.const 0))
        (loop $rounds
          (local.set $p0 (i64.mul (i64.extend_i32_u (local.get $x0)) (i64.const 0xD2511F53)))
          (local.set $p1 (i64.mul (i64.extend_i32_u (local.get $x2)) (i64.const 0xCD9E8D57)))
          (local.set $q0 (i64.mul (i64.extend_i32_u (local.get $y0)) (i64.const 0xD2511F53)))
          (local.set $q1 (i64.mul (i64.extend_i32_u (local.get $y2)) (i64.const 0xCD9E8D57)))
          (local.set $x0 (i32.xor (i32.xor (i32.wrap_i64 (i64.shr_u (local.get $p1) (i64.const 32))) (local.get $x1)) (local.get $ka)))
          (local.set $x1 (i32.wrap_i64 (local.get $p1)))
          (local.set $x2 (i32.xor (i32.xor (i32.wrap_i64 (i64.shr_u (local.get $p0) (i64.const 32))) (local.get $x3)) (local.get $kb)))
          (local.set $x3 (i32.wrap_i64 (local.get $p0)))
          (local.set $y0 (i32.xor (i32.xor (i32.wrap_i64 (i64.shr_u (local.get $q1) (i64.const 32))) (local.get $y1)) (local.get $ka)))
          (local.set $y1 (i32.wrap_i64 (local.get $q1)))
          (local.set $y2 (i32.xor (i32.xor (i32.wrap_i64 (i64.shr_u (local.get $q0) (i64.const 32))) (local.get $y3)) (local.get $kb)))
          (local.set $y3 (i32.wrap_i64 (local.get $q0)))
          (local.set $ka (i32.add (local.get $ka) (i32.const 0x9E3779B9)))
          (local.set $kb (i32.add (local.get $kb) (i32.const 0xBB67AE85)))
          (local.set $r (i32.add (local.get $r) (i32.const 1)))
          (br_if $rounds (i32.lt_u (local.get $r) (i32.const 10))))
        (i32.store offset=0 (local.get $ptr) (local.get $x0))
        (i32.store offset=4 (local.get $ptr) (local.get $x1))
        (i32.store offset=8 (local.get $ptr) (local.get $x2))
        (i32.store offset=12 (local.get $ptr) (local.get $x3))
        (i32.store offset=16 (local.get $ptr) (local.get $y0))
        (i32.store offset=20 (local.get $ptr) (local.get $y1))
        (i32.store offset=24 (local.get $ptr) (local.get $y2))
        (i32.store offset=28 (local.get $ptr) (local.get $y3))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 32)))
        (local.set $b (i32.add (local.get $b) (i32.const 2)))
        (br $blocks)))))
