import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePowerShell, type PsCommand } from '../../../test/support/powershell.js';
import type { ServiceSpec } from './service-spec.js';
import {
  renderWindowsInstallScript,
  renderWindowsStatusScript,
  renderWindowsUninstallScript,
} from './windows-task.js';

/**
 * The Windows install script read by a PowerShell parser we did not write
 * (test/support/powershell.ts says which and why not PowerShell itself),
 * and checked against the ScheduledTasks module's documented parameters:
 * a schema of what the cmdlets accept, written out here from Microsoft's
 * reference (learn.microsoft.com, "ScheduledTasks" module, Windows 10/11
 * and Windows Server 2016-2025), not recorded from our own output.
 */

/** Parameters the ScheduledTasks cmdlets (and the few others the scripts call) document, beside the common ones. */
const DOCUMENTED_PARAMETERS: Record<string, readonly string[]> = {
  'New-ScheduledTaskAction': [
    '-Execute',
    '-Argument',
    '-WorkingDirectory',
    '-Id',
    '-CimSession',
    '-ThrottleLimit',
    '-AsJob',
  ],
  'New-ScheduledTaskTrigger': [
    '-AtStartup',
    '-AtLogOn',
    '-Once',
    '-Daily',
    '-Weekly',
    '-At',
    '-RepetitionInterval',
    '-RepetitionDuration',
    '-RandomDelay',
    '-DaysInterval',
    '-DaysOfWeek',
    '-WeeksInterval',
    '-User',
  ],
  'New-ScheduledTaskPrincipal': [
    '-UserId',
    '-GroupId',
    '-LogonType',
    '-RunLevel',
    '-ProcessTokenSidType',
    '-RequiredPrivilege',
    '-Id',
  ],
  'New-ScheduledTaskSettingsSet': [
    '-AllowStartIfOnBatteries',
    '-DontStopIfGoingOnBatteries',
    '-StartWhenAvailable',
    '-ExecutionTimeLimit',
    '-MultipleInstances',
    '-RestartCount',
    '-RestartInterval',
    '-Hidden',
    '-RunOnlyIfNetworkAvailable',
    '-Priority',
    '-Compatibility',
    '-DisallowDemandStart',
    '-DisallowHardTerminate',
    '-DeleteExpiredTaskAfter',
    '-DontStopOnIdleEnd',
    '-IdleDuration',
    '-IdleWaitTimeout',
    '-RestartOnIdle',
    '-RunOnlyIfIdle',
    '-WakeToRun',
    '-Disable',
  ],
  'Register-ScheduledTask': [
    '-TaskName',
    '-TaskPath',
    '-Action',
    '-Description',
    '-Settings',
    '-Trigger',
    '-Principal',
    '-User',
    '-Password',
    '-RunLevel',
    '-InputObject',
    '-Xml',
    '-Force',
  ],
  'Start-ScheduledTask': ['-TaskName', '-TaskPath', '-InputObject'],
  'Stop-ScheduledTask': ['-TaskName', '-TaskPath', '-InputObject'],
  'Unregister-ScheduledTask': ['-TaskName', '-TaskPath', '-InputObject'],
  'Get-ScheduledTask': ['-TaskName', '-TaskPath'],
  'Get-ScheduledTaskInfo': ['-TaskName', '-TaskPath', '-InputObject'],
  'New-Item': ['-ItemType', '-Force', '-Path', '-Name', '-Value'],
  'New-TimeSpan': ['-Days', '-Hours', '-Minutes', '-Seconds', '-Start', '-End'],
  'Get-Date': [],
  'Out-Null': [],
  'Write-Output': [],
  icacls: [],
};
/** Every cmdlet's common parameters (about_CommonParameters) and the risk-mitigation ones. */
const COMMON_PARAMETERS = [
  '-ErrorAction',
  '-WarningAction',
  '-Verbose',
  '-Debug',
  '-Confirm:$false',
  '-Confirm',
  '-WhatIf',
];
/** Enumerations the values must come from (the cmdlets' parameter types). */
const ENUMS: Record<string, readonly string[]> = {
  // TaskMultipleInstancePolicy
  '-MultipleInstances': ['Parallel', 'Queue', 'IgnoreNew', 'StopExisting'],
  // TaskLogonType
  '-LogonType': [
    'None',
    'Password',
    'S4U',
    'Interactive',
    'Group',
    'ServiceAccount',
    'InteractiveOrPassword',
  ],
  // TaskRunLevel
  '-RunLevel': ['Limited', 'Highest'],
};

const windowsCase = new URL('./testcases/windows/', import.meta.url);
const spec = JSON.parse(readFileSync(new URL('spec.json', windowsCase), 'utf8')) as ServiceSpec;

/** The commands that break the schema: unknown to it, with an undocumented parameter, or an enum value outside its type. */
function schemaProblems(commands: PsCommand[]): string[] {
  const problems: string[] = [];
  for (const c of commands) {
    const documented = DOCUMENTED_PARAMETERS[c.name];
    if (documented === undefined) {
      problems.push(`${c.name}: not a command the scripts may call`);
      continue;
    }
    for (const p of c.parameters) {
      if (!documented.includes(p) && !COMMON_PARAMETERS.includes(p))
        problems.push(`${c.name} ${p}: undocumented`);
      const allowed = ENUMS[p];
      if (allowed && !allowed.includes(c.values[p] ?? ''))
        problems.push(`${c.name} ${p} ${c.values[p]}: not in its enum`);
    }
  }
  return problems;
}

const command = (commands: PsCommand[], name: string): PsCommand => {
  const found = commands.find((c) => c.name === name);
  if (!found) throw new Error(`no ${name} in the script`);
  return found;
};

describe('the Windows scheduled-task scripts, read by a PowerShell parser', () => {
  it('parses the recorded install script and the uninstall and status scripts without a syntax error', async () => {
    const recorded = readFileSync(new URL('install-service.ps1', windowsCase), 'utf8');
    expect((await parsePowerShell(recorded)).errors).toEqual([]);
    for (const script of [
      renderWindowsInstallScript(spec),
      renderWindowsUninstallScript(),
      renderWindowsStatusScript(),
    ]) {
      const parsed = await parsePowerShell(script);
      expect(parsed.errors).toEqual([]);
      expect(schemaProblems(parsed.commands)).toEqual([]);
    }
  });

  it('registers the task the Windows test case describes, in the cmdlets’ own terms', async () => {
    const { commands, assignments } = await parsePowerShell(renderWindowsInstallScript(spec));
    // What Task Scheduler must be told (docs/install.md), written out here.
    expect(assignments['$stateDir']).toBe(`'${spec.stateDir}'`);
    expect(command(commands, 'New-ScheduledTaskAction').values['-Execute']).toBe(`'${spec.nodePath}'`);
    expect(command(commands, 'New-ScheduledTaskTrigger').parameters).toEqual(['-AtStartup']);
    expect(command(commands, 'New-ScheduledTaskPrincipal').values).toEqual({
      '-UserId': "'NT AUTHORITY\\LOCAL SERVICE'",
      '-LogonType': 'ServiceAccount',
      '-RunLevel': 'Limited',
    });
    const settings = command(commands, 'New-ScheduledTaskSettingsSet').values;
    expect(settings['-MultipleInstances']).toBe('IgnoreNew');
    expect(settings['-ExecutionTimeLimit']).toBe('([TimeSpan]::Zero)');
    expect(Object.keys(settings)).toEqual(
      expect.arrayContaining([
        '-AllowStartIfOnBatteries',
        '-DontStopIfGoingOnBatteries',
        '-StartWhenAvailable',
      ]),
    );
    expect(command(commands, 'Register-ScheduledTask').parameters).toEqual(
      expect.arrayContaining(['-TaskName', '-Action', '-Trigger', '-Principal', '-Settings', '-Force']),
    );
    expect(commands.map((c) => c.name)).toContain('Start-ScheduledTask');
  });

  it('keeps hostile paths and arguments as literals: no command is smuggled in', async () => {
    const hostile: ServiceSpec = {
      nodePath: "C:\\Program Files\\node'; Remove-Item -Recurse C:\\ ; '\\node.exe",
      agentScript: 'C:\\skolnet $(Invoke-Expression calc)\\agent `whoami`.js',
      stateDir: "C:\\ProgramData\\O'Brien; Stop-Computer\\skolnet-agent",
      collectorUrl: "https://x.example/'; Remove-Item C:\\",
      runArgs: ['--set', 'http.url=https://x.example/?a=$(whoami)&b="q"'],
    };
    const parsed = await parsePowerShell(renderWindowsInstallScript(hostile));
    expect(parsed.errors).toEqual([]);
    expect(schemaProblems(parsed.commands)).toEqual([]);
    expect(parsed.commands.map((c) => c.name)).not.toEqual(
      expect.arrayContaining([
        expect.stringMatching(/Remove-Item|Stop-Computer|Invoke-Expression|whoami|calc/),
      ]),
    );
    // Each value reaches PowerShell as one verbatim string, byte for byte.
    expect(parsed.verbatim_strings).toEqual(expect.arrayContaining([hostile.nodePath, hostile.stateDir]));
    // node.exe's command line, one verbatim string with the script quoted for the C runtime inside it.
    const argument = command(parsed.commands, 'New-ScheduledTaskAction').values['-Argument'] ?? '';
    expect(parsed.verbatim_strings).toContain(argument.slice(1, -1).replace(/''/g, "'"));
    expect(argument).toContain(`"${hostile.agentScript}"`);
  });

  it('reports a broken script and a call outside the schema (so the checks above can fail)', async () => {
    const script = renderWindowsInstallScript(spec);
    const unclosed = script.replace("$taskName = 'skolnet-agent'", "$taskName = 'skolnet-agent");
    expect((await parsePowerShell(unclosed)).errors).not.toEqual([]);
    const braces = script.replace(
      'Start-ScheduledTask -TaskName $taskName',
      'Start-ScheduledTask -TaskName $taskName }',
    );
    expect((await parsePowerShell(braces)).errors).not.toEqual([]);
    const wrong = script
      .replace('-MultipleInstances IgnoreNew', '-MultipleInstances Ignore')
      .replace('-AtStartup', '-AtBoot');
    expect(schemaProblems((await parsePowerShell(wrong)).commands)).toEqual([
      'New-ScheduledTaskTrigger -AtBoot: undocumented',
      'New-ScheduledTaskSettingsSet -MultipleInstances Ignore: not in its enum',
    ]);
  });
});
