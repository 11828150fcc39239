/**
 * The demo tiers-lieu: what `npm start` puts in the bundled ERP emulator. Plain data, written the way the ERP
 * stores it, so that the same file could seed a real test site through `seedDemo`.
 */

export const DEMO_PLACE = { id: 'demo', name: 'La Fabrique (démo)' } as const;

export const MEMBER_PRICE_LIST = 'Tarif adhérent';
export const PUBLIC_PRICE_LIST = 'Standard Selling';
export const MEMBER_GROUP = 'Adhérents';
export const DEMO_PASSWORD = 'creneau-demo';

/** Hours per unit, for the Items' UOM conversion rows (the installer creates the site-wide factors). */
export const UNIT_HOURS = { Hour: 1, 'Half Day': 4, Day: 8 } as const;

export interface DemoItem {
  item_code: string;
  item_name: string;
  description: string;
  /** Item Prices in cents per UOM: public then member. */
  public: Partial<Record<keyof typeof UNIT_HOURS, number>>;
  member: Partial<Record<keyof typeof UNIT_HOURS, number>>;
}

export const DEMO_ITEMS: readonly DemoItem[] = [
  {
    item_code: 'SALLE-ATELIER',
    item_name: "Salle L'Atelier",
    description: 'Salle de réunion pour 8 personnes, écran et tableau blanc',
    public: { Hour: 2500, 'Half Day': 7000, Day: 12000 },
    member: { Hour: 1800, 'Half Day': 5000, Day: 9000 },
  },
  {
    item_code: 'SALLE-VERRIERE',
    item_name: 'Salle La Verrière',
    description: 'Grande salle lumineuse pour 14 personnes, visioconférence',
    public: { Hour: 4000, 'Half Day': 11000, Day: 19000 },
    member: { Hour: 3000, 'Half Day': 8000, Day: 14000 },
  },
  {
    item_code: 'COWORKING',
    item_name: 'Poste en coworking',
    description: 'Un poste dans l’espace de coworking (20 places)',
    public: { Hour: 500, 'Half Day': 1200, Day: 2000 },
    member: { Hour: 300, 'Half Day': 800, Day: 1400 },
  },
  {
    item_code: 'DECOUPE-LASER',
    item_name: 'Découpe laser',
    description: 'Découpeuse laser CO2 60 W, 90 × 60 cm',
    public: { Hour: 4500 },
    member: { Hour: 3000 },
  },
  {
    item_code: 'IMPRESSION-3D',
    item_name: 'Impression 3D',
    description: 'Imprimante 3D à filament (deux machines identiques)',
    public: { Hour: 800, 'Half Day': 2500 },
    member: { Hour: 500, 'Half Day': 1600 },
  },
];

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'] as const;

function weekdays(from: string, to: string): { weekday: string; from_time: string; to_time: string }[] {
  return WEEKDAYS.map((weekday) => ({ weekday, from_time: from, to_time: to }));
}

/** Creneau Resource documents, as the add-on's DocType holds them. */
export const DEMO_RESOURCES: readonly Record<string, unknown>[] = [
  {
    resource_name: "Salle L'Atelier",
    item: 'SALLE-ATELIER',
    kind: 'Room',
    enabled: 1,
    capacity: 8,
    slot_minutes: 30,
    min_minutes: 60,
    lead_minutes: 60,
    horizon_days: 90,
    buffer_after_minutes: 15,
    time_zone: 'Europe/Paris',
    pricing_mode: 'Threshold',
    half_day_threshold_minutes: 180,
    half_day_minutes: 240,
    half_day_mode: 'Floating',
    opening_hours: weekdays('08:30:00', '19:00:00'),
  },
  {
    resource_name: 'Salle La Verrière',
    item: 'SALLE-VERRIERE',
    kind: 'Room',
    enabled: 1,
    capacity: 14,
    slot_minutes: 30,
    min_minutes: 60,
    lead_minutes: 120,
    horizon_days: 120,
    buffer_before_minutes: 15,
    buffer_after_minutes: 15,
    time_zone: 'Europe/Paris',
    pricing_mode: 'Threshold',
    half_day_threshold_minutes: 180,
    half_day_minutes: 240,
    half_day_mode: 'Fixed',
    morning_start: '08:30:00',
    morning_end: '12:30:00',
    afternoon_start: '13:30:00',
    afternoon_end: '17:30:00',
    opening_hours: [...weekdays('08:30:00', '12:30:00'), ...weekdays('13:30:00', '19:00:00')],
  },
  {
    resource_name: 'Espace coworking',
    item: 'COWORKING',
    kind: 'Seat Pool',
    enabled: 1,
    capacity: 20,
    walk_in_margin: 5,
    walk_in_margin_unit: 'Seats',
    slot_minutes: 30,
    min_minutes: 60,
    horizon_days: 60,
    time_zone: 'Europe/Paris',
    pricing_mode: 'Cheapest',
    half_day_minutes: 240,
    half_day_mode: 'Floating',
    opening_hours: [...weekdays('08:00:00', '20:00:00'), { weekday: 'Saturday', from_time: '09:00:00', to_time: '13:00:00' }],
  },
  {
    resource_name: 'Découpe laser',
    item: 'DECOUPE-LASER',
    kind: 'Machine',
    enabled: 1,
    capacity: 1,
    slot_minutes: 30,
    min_minutes: 30,
    max_minutes: 240,
    lead_minutes: 1440,
    horizon_days: 30,
    buffer_after_minutes: 15,
    approval_required: 1,
    deposit_percent: 30,
    required_qualification: 'laser',
    time_zone: 'Europe/Paris',
    pricing_mode: 'Threshold',
    opening_hours: weekdays('09:00:00', '18:00:00'),
  },
  {
    resource_name: 'Imprimantes 3D',
    item: 'IMPRESSION-3D',
    kind: 'Machine',
    enabled: 1,
    capacity: 2,
    slot_minutes: 60,
    min_minutes: 60,
    max_minutes: 480,
    horizon_days: 30,
    time_zone: 'Europe/Paris',
    pricing_mode: 'Cheapest',
    half_day_minutes: 240,
    half_day_mode: 'Floating',
    opening_hours: weekdays('09:00:00', '18:00:00'),
  },
];

export interface DemoMember {
  customer_name: string;
  customer_type: 'Individual' | 'Company';
  customer_group: string;
  email: string;
  first_name: string;
  last_name?: string;
  postPaid?: boolean;
  qualifications?: string;
}

export const DEMO_MEMBERS: readonly DemoMember[] = [
  { customer_name: 'Camille Martin', customer_type: 'Individual', customer_group: MEMBER_GROUP, email: 'camille@demo.creneau.test', first_name: 'Camille', last_name: 'Martin', qualifications: 'laser' },
  { customer_name: 'Léo Dubois', customer_type: 'Individual', customer_group: 'Individual', email: 'leo@demo.creneau.test', first_name: 'Léo', last_name: 'Dubois' },
  { customer_name: 'Atelier Nord SARL', customer_type: 'Company', customer_group: 'Commercial', email: 'compta@ateliernord.demo.creneau.test', first_name: 'Inès', last_name: 'Roussel', postPaid: true },
];

export const DEMO_MANAGER = { email: 'accueil@demo.creneau.test', first_name: 'Sam', last_name: 'Accueil' } as const;

export interface DemoPack {
  /** Creneau Ticket Pack Type, as the add-on's DocType holds it. */
  pack: Record<string, unknown>;
  item_code: string;
  item_name: string;
  description: string;
  /** The pack's price in cents: public then member. */
  public: number;
  member: number;
}

/** Ticket packs the demo sells: coworking half-days, and machine hours that may also pay a half-day (4 hours). */
export const DEMO_PACKS: readonly DemoPack[] = [
  {
    item_code: 'CARNET-COWORKING-10DJ',
    item_name: 'Carnet 10 demi-journées coworking',
    description: 'Dix demi-journées dans l’espace de coworking, valables un an',
    public: 10000,
    member: 7000,
    pack: {
      pack_type_name: 'Carnet 10 demi-journées coworking',
      item: 'CARNET-COWORKING-10DJ',
      enabled: 1,
      tickets_per_pack: 10,
      ticket_unit: 'Half Day',
      validity_days: 365,
      allow_conversion: 0,
      eligibility: [{ applies_to: 'Resource', resource: 'Espace coworking' }],
    },
  },
  {
    item_code: 'CARNET-MACHINES-20H',
    item_name: '20 heures machines',
    description: 'Vingt heures de découpe laser ou d’impression 3D, valables six mois',
    public: 60000,
    member: 45000,
    pack: {
      pack_type_name: '20 heures machines',
      item: 'CARNET-MACHINES-20H',
      enabled: 1,
      tickets_per_pack: 20,
      ticket_unit: 'Hour',
      validity_days: 180,
      allow_conversion: 1,
      eligibility: [
        { applies_to: 'Resource', resource: 'Découpe laser' },
        { applies_to: 'Resource', resource: 'Imprimantes 3D' },
      ],
    },
  },
];
