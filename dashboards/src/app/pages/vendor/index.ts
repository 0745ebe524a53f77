import type { PageDefinition } from '../page.js';
import { CampaignPage } from './CampaignPage.js';
import { ContractsPage } from './ContractsPage.js';
import en from './messages.en.js';
import lv from './messages.lv.js';

/** Vendor acceptance: a vendor's contracts and their campaigns (planners and admins see every one). */
export const vendorPages: PageDefinition[] = [
  {
    id: 'vendor',
    path: '/vendor',
    access: ['vendor', 'planner', 'admin'],
    title: { lv: lv.title, en: en.title },
    nav: true,
    homeFor: ['vendor'],
    component: ContractsPage,
  },
  {
    id: 'vendor-campaign',
    path: '/vendor/campaigns/:id',
    access: ['vendor', 'planner', 'admin'],
    title: { lv: lv.campaign_title, en: en.campaign_title },
    component: CampaignPage,
  },
];
