/**
 * OVA export benchmark (prints JSON): a 1 GiB qcow2 disk holding 256 MiB of random data
 * (the rest sparse) exported three ways in one run —
 *   bare:       qemu-img convert -O vmdk -o subformat=streamOptimized (the floor);
 *   skyport:    exportDiskToOva (convert, then descriptor + SHA-256 manifest + tar in one pass);
 *   sequential: convert, then `tar`, then `sha256sum` over the members, one after another.
 * Goal: skyport within 1.15x of bare. Options: BENCH_DATA_MIB (256), BENCH_SIZE_GIB (1), BENCH_RUNS (3).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, rmSync, statSync, writeFileSync, closeSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportDiskToOva } from '@skyport/disk';

const dataMiB = Number(process.env['BENCH_DATA_MIB'] ?? 256);
const sizeGiB = Number(process.env['BENCH_SIZE_GIB'] ?? 1);
const runs = Number(process.env['BENCH_RUNS'] ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'skyport-bench-ova-'));

function seconds(fn: () => unknown): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

async function secondsAsync(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

try {
  const raw = join(dir, 'source.raw');
  const fd = openSync(raw, 'w');
  for (let mib = 0; mib < dataMiB; mib += 16) writeSync(fd, randomBytes(16 * 1024 * 1024));
  closeSync(fd);
  execFileSync('truncate', ['-s', `${sizeGiB}G`, raw]);
  const source = join(dir, 'source.qcow2');
  execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', raw, source]);
  rmSync(raw);

  const results = { bare: [] as number[], skyport: [] as number[], sequential: [] as number[] };
  let ovaBytes = 0;
  for (let run = 0; run < runs; run += 1) {
    const bareOut = join(dir, 'bare.vmdk');
    results.bare.push(seconds(() => execFileSync('qemu-img', ['convert', '-f', 'qcow2', '-O', 'vmdk', '-o', 'subformat=streamOptimized', source, bareOut])));
    rmSync(bareOut);

    const ova = join(dir, 'skyport.ova');
    results.skyport.push(
      await secondsAsync(() =>
        exportDiskToOva({ disk: { path: source, format: 'qcow2' }, vm: { id: 'bench', name: 'bench', cpus: 1, memoryMiB: 512, firmware: 'bios', hardwareFamilies: [], os: { id: 101 }, nics: [], cdroms: 0, products: [] }, out: ova, workDir: dir }),
      ),
    );
    ovaBytes = statSync(ova).size;
    rmSync(ova);

    const seq = join(dir, 'seq');
    rmSync(seq, { recursive: true, force: true });
    execFileSync('mkdir', [seq]);
    results.sequential.push(
      seconds(() => {
        execFileSync('qemu-img', ['convert', '-f', 'qcow2', '-O', 'vmdk', '-o', 'subformat=streamOptimized', source, join(seq, 'bench-disk1.vmdk')]);
        writeFileSync(join(seq, 'bench.ovf'), '<Envelope/>');
        const sums = execFileSync('sha256sum', ['bench.ovf', 'bench-disk1.vmdk'], { cwd: seq, encoding: 'utf8' });
        writeFileSync(join(seq, 'bench.mf'), sums);
        execFileSync('tar', ['--format=ustar', '-cf', join(dir, 'seq.ova'), 'bench.ovf', 'bench.mf', 'bench-disk1.vmdk'], { cwd: seq });
      }),
    );
    rmSync(join(dir, 'seq.ova'));
  }
  const bare = median(results.bare);
  const skyport = median(results.skyport);
  const sequential = median(results.sequential);
  process.stdout.write(
    `${JSON.stringify(
      {
        benchmark: 'ova-export',
        disk: { virtualGiB: sizeGiB, randomDataMiB: dataMiB, sourceFormat: 'qcow2' },
        runs,
        ovaBytes,
        seconds: { bareConvert: bare, skyportExport: skyport, sequentialConvertTarSha256: sequential },
        ratio: { skyportVsBare: Number((skyport / bare).toFixed(3)), sequentialVsBare: Number((sequential / bare).toFixed(3)) },
        goal: { skyportVsBareAtMost: 1.15, met: skyport / bare <= 1.15 },
        samples: results,
      },
      null,
      2,
    )}\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
