import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '@skolnet/collector';
import { dashboardBuildDir } from '@skolnet/dashboards';
import {
  BROWSER_TEST_TIMEOUT_MS,
  assertAccessible,
  assertCleanPage,
  createPerson,
  launchBrowser,
  newContext,
  newPage,
  saveScreenshots,
  screenshotDir,
  signIn,
  skipBrowser,
  type UiLang,
} from '../../support/browser.js';

/**
 * The collector's clock for this test, injected: a Wednesday in the first
 * semester of 2025/2026, so every date below is fixed and the director's
 * approval falls on it.
 */
const NOW = new Date('2025-10-15T09:00:00Z');
const SEMESTER = '2025/2026-1';
const TODAY = '2025-10-15';

/**
 * Synthetic pupils, one per language's run: valid personal codes (date of
 * birth in 2012/2013, century digit 2, the check digit of the
 * collector's personal-code rule), no real person.
 */
const PUPILS: Record<UiLang, { name: string; code: string; badCode: string; class_label: string }> = {
  lv: { name: 'Līga Kalniņa', code: '140312-23459', badCode: '140312-23458', class_label: '7.a' },
  en: { name: 'Roberts Zariņš', code: '220713-27180', badCode: '220713-27181', class_label: '6.b' },
};

/** What the coordinator reads and clicks, per language: the pages' catalogs and the rules' texts. */
const TEXT = {
  lv: {
    supportHeading: 'Skolēnu atbalsts',
    addPupil: 'Pievienot izglītojamo',
    pupilSubmit: 'Pievienot izglītojamo',
    programme: 'Programma',
    grade: 'Klase',
    classLabel: 'Klases apzīmējums',
    name: 'Vārds, uzvārds',
    code: 'Personas kods',
    badCode: 'Personas kods nav derīgs',
    refused: 'Forma netika pieņemta.',
    createPlan: (c: string) => `Izveidot plānu: ${c}`,
    planForm: 'Jauns individuālā atbalsta plāns',
    semester: 'Semestris',
    applicationOn: 'Iesnieguma datums',
    applicationRef: 'Iesnieguma dokuments',
    preparedOn: 'Plāna sagatavošanas datums',
    addRisk: 'Pievienot risku',
    riskGroup: 'Riska grupa',
    justification: 'Pamatojums',
    addMeasure: 'Pievienot pasākumu',
    measureDescription: 'Pasākuma apraksts',
    riskOne: '1. risks: ekonomiskais',
    savePlan: 'Saglabāt plānu',
    measureWithoutRisk: 'Atbalsta pasākumam jābūt saistītam ar vismaz vienu plāna risku.',
    planHeading: 'Atbalsta plāns',
    editPlan: 'Labot plānu',
    editForm: 'Labot individuālā atbalsta plānu',
    submit: 'Nodot saskaņošanai',
    submitted: 'Plāna statuss: Saskaņošanā.',
    approve: 'Saskaņot',
    approved: 'Plāns saskaņots.',
    records: 'Vienošanās, konsultācijas un kompensācijas',
    agreementForm: 'Pedagoga un izglītojamā vienošanās',
    agreementOn: 'Vienošanās datums',
    saveAgreement: 'Saglabāt vienošanos',
    consultationForm: 'Reģistrēt konsultāciju',
    type: 'Konsultācijas veids',
    date: 'Datums',
    minutes: 'Ilgums, min',
    pedagogue: 'Pedagogs',
    mode: 'Norise',
    formRef: 'KA veidlapa',
    confirmedOn: 'Izglītojamā apstiprinājums',
    consultationSaved: 'Konsultācija reģistrēta.',
    remoteNoOrder: 'Attālinātai konsultācijai nav direktora rīkojuma, kas aptver tās datumu.',
    schoolRecords: 'Izziņas, rīkojumi un datori',
    orderForm: 'Reģistrēt rīkojumu',
    validFrom: 'Derīga no',
    validTo: 'Derīga līdz',
    procedure: 'Skolas kārtības atsauce',
    pedagogueOne: '1. pedagogs',
    subjectOne: '1. pedagoga priekšmets vai atbalsta veids',
    platform: 'Platforma',
    method: 'Kā apstiprina konsultācijas saņemšanu',
    informed: 'Reģionālais koordinators informēts',
    orderSaved: 'Rīkojums reģistrēts.',
    compensationForm: 'Reģistrēt kompensāciju',
    month: 'Mēnesis',
    amount: 'Summa, EUR',
    document: 'Dokuments',
    compensationSaved: 'Kompensācija reģistrēta.',
    attestationMissing: 'Nav pašvaldības izziņas, ka tā nevar segt ekonomisko risku.',
    attestationForm: 'Reģistrēt izziņu',
    obtainedOn: 'Saņemta',
    attestationSaved: 'Izziņa reģistrēta.',
    laptopForm: 'Reģistrēt datoru',
    serial: 'Sērijas numurs',
    model: 'Modelis',
    laptopPupil: 'Izglītojamais',
    issuedOn: 'Izsniegts',
    laptopSaved: 'Dators reģistrēts.',
    editLaptop: (serial: string) => `Labot datoru ${serial}`,
    returnedOn: 'Atgriezts',
    amountTyped: '12,50',
    amountShown: /12,50\s€/,
  },
  en: {
    supportHeading: 'Pupil support',
    addPupil: 'Add a pupil',
    pupilSubmit: 'Add the pupil',
    programme: 'Programme',
    grade: 'Grade',
    classLabel: 'Class',
    name: 'Name and surname',
    code: 'Personal code',
    badCode: 'The personal code is not valid',
    refused: 'The form was not accepted.',
    createPlan: (c: string) => `Create a plan: ${c}`,
    planForm: 'New individual support plan',
    semester: 'Semester',
    applicationOn: 'Date of the application',
    applicationRef: 'Application document',
    preparedOn: 'Day the plan was prepared',
    addRisk: 'Add a risk',
    riskGroup: 'Risk group',
    justification: 'Justification',
    addMeasure: 'Add a measure',
    measureDescription: 'Description of the measure',
    riskOne: 'Risk 1: economic',
    savePlan: 'Save the plan',
    measureWithoutRisk: 'A support measure must be linked to at least one of the plan’s risks.',
    planHeading: 'Support plan',
    editPlan: 'Edit the plan',
    editForm: 'Edit the individual support plan',
    submit: 'Send for approval',
    submitted: 'Plan status: In approval (Saskaņošanā).',
    approve: 'Approve',
    approved: 'Plan approved.',
    records: 'Agreement, consultations and compensations',
    agreementForm: 'Pedagogue-pupil agreement',
    agreementOn: 'Date of the agreement',
    saveAgreement: 'Save the agreement',
    consultationForm: 'Record a consultation',
    type: 'Type of consultation',
    date: 'Date',
    minutes: 'Duration, min',
    pedagogue: 'Pedagogue',
    mode: 'Held',
    formRef: 'KA form',
    confirmedOn: "Pupil's confirmation",
    consultationSaved: 'Consultation recorded.',
    remoteNoOrder: 'No director’s order for remote learning covers the remote consultation’s date.',
    schoolRecords: 'Attestations, orders and laptops',
    orderForm: 'Record an order',
    validFrom: 'Valid from',
    validTo: 'Valid to',
    procedure: "Reference to the school's procedure",
    pedagogueOne: 'Pedagogue 1',
    subjectOne: 'Subject or support type of pedagogue 1',
    platform: 'Platform',
    method: 'How receipt of a consultation is confirmed',
    informed: 'Regional coordinator informed',
    orderSaved: 'Order recorded.',
    compensationForm: 'Record a compensation',
    month: 'Month',
    amount: 'Amount, EUR',
    document: 'Document',
    compensationSaved: 'Compensation recorded.',
    attestationMissing: 'There is no attestation of the municipality that it cannot fund the economic risk.',
    attestationForm: 'Record an attestation',
    obtainedOn: 'Obtained',
    attestationSaved: 'Attestation recorded.',
    laptopForm: 'Record a laptop',
    serial: 'Serial number',
    model: 'Model',
    laptopPupil: 'Pupil',
    issuedOn: 'Issued',
    laptopSaved: 'Laptop recorded.',
    editLaptop: (serial: string) => `Edit laptop ${serial}`,
    returnedOn: 'Returned',
    amountTyped: '12.50',
    amountShown: /€12\.50/,
  },
} as const;

/** Everything a page sent or printed that could carry pupil data: request addresses, console lines, errors. */
interface Traces {
  urls: string[];
  console: string[];
  errors: string[];
}

/**
 * Chromium logs every refused request as a console error; here the
 * refusals are the point (a 400 for a wrong personal code, 422s for broken
 * rules), and a 401 from `GET /api/v1/session` is how a page learns nobody
 * is signed in yet, so those are expected and anything else is a problem.
 */
const EXPECTED_REFUSAL = /^Failed to load resource: the server responded with a status of (400|401|422) /;

function traced(page: Page, traces: Traces): Page {
  page.on('request', (r) => traces.urls.push(r.url()));
  page.on('framenavigated', (f) => traces.urls.push(f.url()));
  page.on('pageerror', (err) => traces.errors.push(`page error: ${err.message}`));
  page.on('console', (m) => {
    traces.console.push(m.text());
    if (m.type() === 'error' && !EXPECTED_REFUSAL.test(m.text())) traces.errors.push(`console: ${m.text()}`);
  });
  return page;
}

/** The value of the field labelled `label` inside `scope`: what the coordinator typed, still there. */
const valueOf = (scope: Locator, label: string) => scope.getByLabel(label, { exact: true }).inputValue();

/**
 * The coordinator's whole flow through the forms in one language, with the
 * director's approval between: add a pupil (a wrong personal code refused
 * first, the name kept), a plan with a risk and a measure (refused until
 * the measure is linked), submit, the director approves, the agreement, a
 * consultation in person, a remote one refused without an order and
 * accepted after the order, a compensation refused without an
 * attestation and accepted after it.
 */
describe.skipIf(skipBrowser)('pupil-support forms in headless Chromium', () => {
  let dir: string;
  let collector: RunningCollector;
  let browser: Browser;
  let shots = '';
  const logs: string[] = [];

  beforeAll(async () => {
    if (!existsSync(join(dashboardBuildDir, 'index.html'))) {
      throw new Error('the web application is not built: run npm run build first');
    }
    dir = await mkdtemp(join(tmpdir(), 'skolnet-web-support-forms-'));
    // The collector's own log, kept to prove no name or personal code reaches it.
    collector = await startCollector({
      host: '127.0.0.1',
      port: 0,
      dataDir: dir,
      logger: { level: 'debug', stream: { write: (line: string) => void logs.push(line) } },
      config: { now: () => NOW },
    });
    shots = await screenshotDir();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await collector?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it.each(['lv', 'en'] as const)(
    'takes a coordinator from a new pupil to an accepted compensation (%s)',
    async (lang) => {
      const T = TEXT[lang];
      const pupil = PUPILS[lang];
      const school = await collector.store.createSchool({
        name: lang === 'lv' ? 'Cēsu pamatskola' : 'Valmieras pamatskola',
        municipality: lang === 'lv' ? 'Cēsu novads' : 'Valmieras novads',
        pupils: 300,
      });
      const coordinator = await createPerson(collector, 'support_coordinator', { school_id: school.id });
      const director = await createPerson(collector, 'director', { school_id: school.id });
      const traces: Traces = { urls: [], console: [], errors: [] };
      const contexts: BrowserContext[] = [];
      const open = async (): Promise<Page> => {
        const context = await newContext(browser, { lang });
        contexts.push(context);
        return traced(await newPage(context), traces);
      };
      const shot = (page: Page, name: string) =>
        saveScreenshots(page, shots, `support-forms-${name}-${lang}`);

      // 1. A pupil: a wrong check digit is refused with the field's error, and nothing typed is lost.
      const page = await open();
      await signIn(page, collector.url, coordinator);
      expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe(T.supportHeading);
      await page.getByRole('link', { name: T.addPupil }).click();
      const pupilForm = page.getByRole('form', { name: T.addPupil });
      await pupilForm.getByLabel(T.grade, { exact: true }).fill('7');
      await pupilForm.getByLabel(T.classLabel, { exact: true }).fill(pupil.class_label);
      await pupilForm.getByLabel(T.name, { exact: true }).fill(pupil.name);
      await pupilForm.getByLabel(T.code, { exact: true }).fill(pupil.badCode);
      await pupilForm.getByRole('button', { name: T.pupilSubmit }).click();
      const codeField = pupilForm.getByLabel(T.code, { exact: true });
      await expect.poll(() => codeField.getAttribute('aria-invalid')).toBe('true');
      const describedBy = (await codeField.getAttribute('aria-describedby')) ?? '';
      const codeError = await page.locator(`[id="${describedBy.split(' ').at(-1)}"]`).innerText();
      expect(codeError).toContain(T.badCode);
      expect(codeError).toContain('SKOLNET_API_BAD_REQUEST');
      expect(await page.getByRole('alert').innerText()).toContain(T.refused);
      expect(await valueOf(pupilForm, T.name)).toBe(pupil.name);
      expect(await valueOf(pupilForm, T.classLabel)).toBe(pupil.class_label);
      await assertAccessible(page, `pupil form refused (${lang})`);
      await shot(page, 'pupil');
      // By keyboard this time: Enter in the field submits the form.
      await codeField.fill(pupil.code);
      await codeField.press('Enter');
      // Stored: the form forgets the name and code at once.
      await expect.poll(() => valueOf(pupilForm, T.name)).toBe('');
      expect(await valueOf(pupilForm, T.code)).toBe('');

      // 2. A plan: a measure linked to no risk is refused by the rule, then saved once linked.
      await page.getByRole('link', { name: T.createPlan(pupil.class_label) }).click();
      const planForm = page.getByRole('form', { name: T.planForm });
      await planForm.getByLabel(T.semester, { exact: true }).fill(SEMESTER);
      await planForm.getByLabel(T.applicationOn, { exact: true }).fill('2025-09-01');
      await planForm.getByLabel(T.applicationRef, { exact: true }).fill('iesn. 12');
      await planForm.getByLabel(T.preparedOn, { exact: true }).fill('2025-09-02');
      await planForm.getByRole('button', { name: T.addRisk }).click();
      await planForm.getByLabel(T.riskGroup, { exact: true }).selectOption('economic');
      await planForm
        .getByLabel(T.justification, { exact: true })
        .fill('ģimenes ienākumi zem trūcīgas ģimenes sliekšņa');
      await planForm.getByRole('button', { name: T.addMeasure }).click();
      await planForm.getByLabel(T.measureDescription, { exact: true }).fill('sabiedriskā transporta biļetes');
      await planForm.getByRole('button', { name: T.savePlan }).click();
      const planAlert = planForm.getByRole('alert');
      await expect.poll(() => planAlert.innerText()).toContain(T.measureWithoutRisk);
      expect(await planAlert.innerText()).toContain('SKOLNET_SUPPORT_MEASURE_WITHOUT_RISK');
      expect(await valueOf(planForm, T.measureDescription)).toBe('sabiedriskā transporta biļetes');
      expect(await valueOf(planForm, T.applicationRef)).toBe('iesn. 12');
      await assertAccessible(page, `plan form refused (${lang})`);
      await shot(page, 'plan');
      await planForm.getByRole('checkbox', { name: T.riskOne }).check();
      await planForm.getByRole('button', { name: T.savePlan }).click();
      await page.waitForURL((url) => /\/plans\/[^/]+$/.test(url.pathname));
      // The address changes before the plan page renders.
      await expect.poll(() => page.getByRole('heading', { level: 1 }).innerText()).toBe(T.planHeading);
      const planUrl = page.url();

      // The draft opens in the edit form with what was saved; a change is saved by keyboard.
      await page.getByRole('link', { name: T.editPlan }).click();
      const editForm = page.getByRole('form', { name: T.editForm });
      await expect.poll(() => valueOf(editForm, T.applicationRef)).toBe('iesn. 12');
      expect(await valueOf(editForm, T.measureDescription)).toBe('sabiedriskā transporta biļetes');
      expect(await editForm.getByRole('checkbox', { name: T.riskOne }).isChecked()).toBe(true);
      await editForm.getByLabel(T.applicationRef, { exact: true }).fill('iesn. 12/2');
      await editForm.getByLabel(T.applicationRef, { exact: true }).press('Enter');
      await page.waitForURL(planUrl);
      await expect.poll(() => page.locator('dl.facts').innerText()).toContain('iesn. 12/2');

      // 3. Submitted for approval from the plan page.
      await page.getByRole('button', { name: T.submit }).click();
      await expect.poll(() => page.getByRole('status').first().innerText()).toBe(T.submitted);
      await assertAccessible(page, `plan page with actions (${lang})`);
      await shot(page, 'plan-page');

      // 4. The director signs in and approves on the plan page.
      const directorPage = await open();
      await signIn(directorPage, collector.url, director);
      await directorPage.goto(planUrl);
      await directorPage.getByRole('button', { name: T.approve, exact: true }).click();
      await expect.poll(() => directorPage.getByRole('status').first().innerText()).toBe(T.approved);
      assertCleanPage(directorPage);

      // 5. The agreement and a consultation in person.
      await page.reload();
      await page.getByRole('link', { name: T.records }).click();
      const agreement = page.getByRole('form', { name: T.agreementForm });
      await agreement.getByLabel(T.agreementOn, { exact: true }).fill(TODAY);
      await agreement.getByRole('button', { name: T.saveAgreement }).click();
      await expect.poll(() => agreement.getByLabel(T.agreementOn, { exact: true }).inputValue()).toBe(TODAY);
      const consultation = page.getByRole('form', { name: T.consultationForm });
      const fillConsultation = async (mode: 'in_person' | 'remote', who: string) => {
        await consultation
          .getByLabel(T.type, { exact: true })
          .selectOption(mode === 'remote' ? 'pedagogue' : 'psychologist');
        await consultation.getByLabel(T.date, { exact: true }).fill(TODAY);
        await consultation.getByLabel(T.minutes, { exact: true }).fill('45');
        await consultation.getByLabel(T.pedagogue, { exact: true }).fill(who);
        await consultation.getByLabel(T.mode, { exact: true }).selectOption(mode);
        await consultation.getByLabel(T.formRef, { exact: true }).fill(`KA-${mode}`);
        await consultation.getByLabel(T.confirmedOn, { exact: true }).fill(TODAY);
      };
      await fillConsultation('in_person', 'Anna Liepa');
      await consultation.getByRole('button', { name: T.consultationForm }).click();
      await expect.poll(() => page.getByRole('status').first().innerText()).toBe(T.consultationSaved);

      // 6. A remote consultation without an order: refused with the rule's text; the form keeps it all.
      await fillConsultation('remote', 'Pēteris Ozols');
      await consultation.getByRole('button', { name: T.consultationForm }).click();
      const refusal = consultation.getByRole('alert');
      await expect.poll(() => refusal.innerText()).toContain(T.remoteNoOrder);
      expect(await refusal.innerText()).toContain('SKOLNET_SUPPORT_REMOTE_NO_ORDER');
      expect(await valueOf(consultation, T.pedagogue)).toBe('Pēteris Ozols');
      expect(await valueOf(consultation, T.date)).toBe(TODAY);
      // The earlier consultation's "recorded" is gone: the status speaks of this submission only.
      expect(await page.getByRole('status').first().innerText()).toBe('');
      // The summary is the form's description and takes focus, so it is heard.
      expect(await page.evaluate('document.activeElement?.getAttribute("role")')).toBe('alert');
      await assertAccessible(page, `consultation refused (${lang})`);
      await shot(page, 'records');

      // 7. The director's order, entered in a second tab; the refused form is still filled in the first.
      const tab = traced(await page.context().newPage(), traces);
      await tab.goto(planUrl);
      await tab.getByRole('link', { name: T.records }).click();
      await tab.getByRole('link', { name: T.schoolRecords }).click();
      const order = tab.getByRole('form', { name: T.orderForm });
      await order.getByLabel(T.validFrom, { exact: true }).fill('2025-10-01');
      await order.getByLabel(T.validTo, { exact: true }).fill('2025-12-31');
      await order.getByLabel(T.procedure, { exact: true }).fill('Kārtība Nr. 3');
      await order
        .getByRole('checkbox', { name: new RegExp(`^${pupil.class_label.replace('.', '\\.')} `) })
        .check();
      await order.getByLabel(T.pedagogueOne, { exact: true }).fill('Pēteris Ozols');
      await order.getByLabel(T.subjectOne, { exact: true }).fill('matemātika');
      await order.getByLabel(T.platform, { exact: true }).fill('Zoom');
      await order.getByLabel(T.method, { exact: true }).fill('e-klases ziņa');
      await order.getByRole('checkbox', { name: T.informed }).check();
      await order.getByRole('button', { name: T.orderForm }).click();
      await expect.poll(() => tab.getByRole('status').first().innerText()).toBe(T.orderSaved);

      // 8. The remote consultation again, not retyped: accepted.
      await consultation.getByRole('button', { name: T.consultationForm }).click();
      await expect.poll(() => page.getByRole('status').first().innerText()).toBe(T.consultationSaved);
      expect(await consultation.getByRole('alert').count()).toBe(0);

      // 9. A compensation without an attestation: refused; with one, accepted.
      const compensation = page.getByRole('form', { name: T.compensationForm });
      await compensation.getByLabel(T.month, { exact: true }).fill('2025-10');
      await compensation.getByLabel(T.amount, { exact: true }).fill(T.amountTyped);
      await compensation.getByLabel(T.document, { exact: true }).fill('čeks 5');
      await compensation.getByRole('button', { name: T.compensationForm }).click();
      const compRefusal = compensation.getByRole('alert');
      await expect.poll(() => compRefusal.innerText()).toContain(T.attestationMissing);
      expect(await compRefusal.innerText()).toContain('SKOLNET_SUPPORT_ATTESTATION_MISSING');
      expect(await valueOf(compensation, T.amount)).toBe(T.amountTyped);

      const attestation = tab.getByRole('form', { name: T.attestationForm });
      await attestation.getByLabel(T.obtainedOn, { exact: true }).fill('2025-08-20');
      await attestation.getByLabel(T.validFrom, { exact: true }).fill('2025-09-01');
      await attestation.getByLabel(T.validTo, { exact: true }).fill('2025-12-31');
      await attestation.getByLabel(T.document, { exact: true }).fill('izziņa 7');
      await attestation.getByRole('button', { name: T.attestationForm }).click();
      await expect.poll(() => tab.getByRole('status').first().innerText()).toBe(T.attestationSaved);
      // A laptop issued to the pupil, named by class and id, never by name.
      const laptop = tab.getByRole('form', { name: T.laptopForm });
      await laptop.getByLabel(T.serial, { exact: true }).fill(`PF-${lang}-0001`);
      await laptop.getByLabel(T.model, { exact: true }).fill('Lenovo 100e');
      const option = laptop
        .getByLabel(T.laptopPupil, { exact: true })
        .locator('option', { hasText: pupil.class_label });
      await laptop
        .getByLabel(T.laptopPupil, { exact: true })
        .selectOption(await option.getAttribute('value'));
      await laptop.getByLabel(T.issuedOn, { exact: true }).fill('2025-09-05');
      await laptop.getByRole('button', { name: T.laptopForm }).click();
      await expect.poll(() => tab.getByRole('status').first().innerText()).toBe(T.laptopSaved);
      // Its return: Edit starts the form from the record, so the pupil and issue date stay as they were.
      await tab.getByRole('button', { name: T.editLaptop(`PF-${lang}-0001`) }).click();
      await expect.poll(() => valueOf(laptop, T.serial)).toBe(`PF-${lang}-0001`);
      expect(await tab.evaluate('document.activeElement?.getAttribute("name")')).toBe('serial');
      await laptop.getByLabel(T.returnedOn, { exact: true }).fill('2025-10-10');
      await laptop.getByRole('button', { name: T.laptopForm }).click();
      await expect.poll(() => tab.getByRole('status').first().innerText()).toBe(T.laptopSaved);
      const [storedLaptop] = await collector.store.support.listLaptops(school.id);
      expect(storedLaptop).toMatchObject({
        issued_on: '2025-09-05',
        returned_on: '2025-10-10',
        model: 'Lenovo 100e',
      });
      expect(storedLaptop!.pupil_id).not.toBeNull();
      await assertAccessible(tab, `school records (${lang})`);
      await shot(tab, 'school-records');
      expect(await tab.locator('main').innerText()).not.toContain(pupil.name);

      await compensation.getByRole('button', { name: T.compensationForm }).click();
      await expect.poll(() => page.getByRole('status').first().innerText()).toBe(T.compensationSaved);
      expect(await page.locator('main').innerText()).toMatch(T.amountShown);
      // Refusals were the 400 and 422s the flow provoked; nothing else went wrong.
      expect(traces.errors).toEqual([]);

      // The records as the API holds them: two consultations (one remote), one compensation.
      const stored = await collector.store.support.listPlans([school.id]);
      expect(stored).toHaveLength(1);
      expect(stored[0]!.body.consultations.map((c) => c.remote)).toEqual([false, true]);
      expect(stored[0]!.body.compensations.map((c) => c.amount_cents)).toEqual([1250]);
      expect(stored[0]!.body.approvals.map((a) => a.approver)).toEqual(['director']);

      // No name or personal code in an address, the console or the collector's log.
      const secrets = [
        pupil.name,
        pupil.code,
        pupil.badCode,
        pupil.code.replace('-', ''),
        encodeURIComponent(pupil.name),
      ];
      expect(traces.urls.length).toBeGreaterThan(10);
      expect(logs.length).toBeGreaterThan(10);
      for (const secret of secrets) {
        expect(traces.urls.filter((u) => u.includes(secret))).toEqual([]);
        expect(traces.console.filter((c) => c.includes(secret))).toEqual([]);
        expect(logs.filter((l) => l.includes(secret))).toEqual([]);
      }
      for (const context of contexts) await context.close();
    },
    BROWSER_TEST_TIMEOUT_MS * 3,
  );
});
