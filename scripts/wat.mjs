// WebAssembly text -> binary with wabt (a devDependency), shared by the build and its test.
import initWabt from 'wabt';

export async function compileWat(source) {
  const wabt = await initWabt();
  const mod = wabt.parseWat('philox.wat', source, { simd: true });
  mod.validate();
  const { buffer } = mod.toBinary({ log: false, write_debug_names: false });
  mod.destroy();
  return new Uint8Array(buffer);
}
