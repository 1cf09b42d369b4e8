/**
 * `skyport ova inspect|validate FILE`: read an OVA or OVF locally, no broker needed. The
 * descriptor is all they read (the first `.ovf` member of an OVA), so they are quick on
 * multi-gigabyte archives.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { SkyportError } from '@skyport/model';
import { readOvaDescriptor, readOvf, validateOvf, VALIDATION_TARGETS, type ValidationTarget } from '@skyport/ovf';
import type { CliEnvironment } from '../context.js';
import { examples } from '../help.js';
import { CliFailure, UsageError } from '../options.js';

async function descriptorOf(file: string): Promise<string> {
  if (/\.ovf$/i.test(file)) {
    return readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new SkyportError('InvalidArgument', `cannot read ${file}: ${error.code ?? error.message}`);
    });
  }
  try {
    return (await readOvaDescriptor(file)).text;
  } catch (error) {
    if (error instanceof SkyportError) throw error;
    throw new SkyportError('InvalidArgument', `cannot read ${file} as an OVA: ${(error as Error).message}`);
  }
}

const GiB = 1024 ** 3;
const size = (bytes: number): string => (bytes >= GiB ? `${(bytes / GiB).toFixed(bytes % GiB === 0 ? 0 : 1)} GiB` : `${Math.round(bytes / 1024 ** 2)} MiB`);

export function registerOva(program: Command, env: CliEnvironment): void {
  const ova = program.command('ova').description('inspect and validate OVF/OVA appliances locally (no broker needed)');
  examples(
    ova
      .command('inspect <file>')
      .description('show the VM spec an OVA or OVF describes: CPUs, memory, firmware, disks, NICs, OS, products, producer')
      .option('--configuration <id>', 'deployment option to show (default: the descriptor\'s default)')
      .action(async (file: string, opts: { configuration?: string }, cmd: Command) => {
        const appliance = readOvf(await descriptorOf(file), opts.configuration === undefined ? {} : { configuration: opts.configuration });
        if (cmd.optsWithGlobals<{ json?: boolean }>().json === true) return env.out.json(appliance);
        const out = env.out;
        out.details([
          ['appliance', appliance.name],
          ['OVF', appliance.ovfVersion],
          ['producer', `${appliance.producer.dialect}${appliance.producer.tool === undefined ? '' : ` (${appliance.producer.tool})`}`],
          ['deployment options', appliance.deploymentOptions.map((o) => `${o.id}${o.id === appliance.configuration ? '*' : ''}`).join(', ')],
        ]);
        for (const vm of appliance.vms) {
          out.line();
          out.details([
            ['vm', vm.name],
            ['cpus', vm.cpus],
            ['memory', `${vm.memoryMiB} MiB`],
            ['firmware', vm.firmware],
            ['os', [vm.os.description, vm.os.vendorType, vm.os.id === undefined ? undefined : `id ${vm.os.id}`].filter(Boolean).join(', ')],
            ['hardware', vm.hardwareFamilies.join(' ')],
          ]);
          out.table(
            [
              { header: 'disk', value: (d) => d.diskId },
              { header: 'capacity', value: (d) => size(d.capacityBytes) },
              { header: 'format', value: (d) => d.format?.variant ?? d.format?.diskFormat ?? d.format?.uri },
              { header: 'file', value: (d) => d.file?.href },
              { header: 'controller', value: (d) => (d.controller === undefined ? undefined : `${d.controller.type}${d.controller.subtype === undefined ? '' : ` (${d.controller.subtype})`}`) },
            ],
            vm.disks,
            'disks',
          );
          out.table(
            [
              { header: 'nic', value: (n) => n.name },
              { header: 'network', value: (n) => n.network },
              { header: 'adapter', value: (n) => `${n.adapter}${n.adapterRaw === undefined ? '' : ` (${n.adapterRaw})`}` },
            ],
            vm.nics,
            'network adapters',
          );
          for (const product of vm.products) {
            out.line(`product: ${[product.product, product.vendor, product.version].filter(Boolean).join(' ') || '(unnamed)'}`);
            for (const p of product.properties) out.line(`  ${p.key} (${p.type})${p.password ? ' [password]' : p.value === undefined || p.value === '' ? '' : ` = ${p.value}`}`);
          }
        }
      }),
    ['skyport ova inspect appliance.ova', 'skyport ova inspect vm.ovf --json'],
  );
  examples(
    ova
      .command('validate <file>')
      .description('check an OVA or OVF against the OVF standard and, with --target, what a platform deploys; exit 1 on errors')
      .option('--target <platform>', `deployment target: ${VALIDATION_TARGETS.join(', ')}`)
      .option('--lax', 'accept what only a target or an extension objects to, as warnings (like ovftool --lax)')
      .action(async (file: string, opts: { target?: string; lax?: boolean }, cmd: Command) => {
        if (opts.target !== undefined && !(VALIDATION_TARGETS as readonly string[]).includes(opts.target)) {
          throw new UsageError(`--target must be one of ${VALIDATION_TARGETS.join(', ')}, not "${opts.target}"`);
        }
        const report = validateOvf(await descriptorOf(file), { ...(opts.target === undefined ? {} : { target: opts.target as ValidationTarget }), lax: opts.lax === true });
        if (cmd.optsWithGlobals<{ json?: boolean }>().json === true) {
          env.out.json({ valid: report.valid, errors: report.errors, warnings: report.warnings });
        } else {
          for (const issue of [...report.errors, ...report.warnings]) env.out.line(`${issue.severity}: ${issue.message} [${issue.code}] at ${issue.where}`);
          env.out.note(`${file}: ${report.valid ? 'valid' : 'invalid'} (${report.errors.length} errors, ${report.warnings.length} warnings)${opts.target === undefined ? '' : ` for ${opts.target}${opts.lax === true ? ', lax' : ''}`}`);
        }
        if (!report.valid) throw new CliFailure(`${file} is not a valid appliance${opts.target === undefined ? '' : ` for ${opts.target}`}`);
      }),
    ['skyport ova validate appliance.ova', 'skyport ova validate vbox.ova --target vsphere --lax'],
  );
}
