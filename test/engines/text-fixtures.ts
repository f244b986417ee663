import type { FrameText, TimedSegment } from '../../src/engines/text/types.js';

/**
 * A realistic six-minute planning meeting, as a punctuated (Whisper-style) transcript
 * and the OCR of the shared screen, in three topics: the quarterly report and budget,
 * the website launch, hiring for the mobile app.
 */
const LINES: Array<[number, string]> = [
  // Topic 1: quarterly report and budget (0–130 s)
  [0, 'Okay, good morning everyone, thanks for joining the weekly planning meeting.'],
  [6, 'First up is the quarterly report, which finance asked us to finish this week.'],
  [13, 'The quarterly report shows revenue grew twelve percent, mostly from the enterprise plan.'],
  [21, 'Marketing spend was over budget by about eight percent in the third quarter.'],
  [29, 'The budget overrun came from the trade show and the paid search campaign.'],
  [
    37,
    'I think the quarterly report should explain the budget overrun clearly, so finance is not surprised.',
  ],
  [46, 'Sarah, can you add a short section on the marketing budget to the report?'],
  [53, 'Sure, I can draft the budget section tonight.'],
  [58, 'Great. The report is ready otherwise, and I will send it to finance by Friday.'],
  [66, 'We also need to review the budget for next quarter before the board meeting.'],
  [75, 'The finance team wants the revenue forecast and the budget in the same spreadsheet.'],
  [84, 'Revenue forecasts for the enterprise plan look strong for the next two quarters.'],
  [93, 'If we need to, we can cut the trade show budget next quarter.'],
  [101, 'Okay, that is the report and the budget.'],
  // long pause, then topic 2: website launch (110–240 s)
  [112, 'Next, the website launch.'],
  [116, 'The new website launch is scheduled for the first of March.'],
  [123, 'The design team finished the landing page mockups in Figma last week.'],
  [131, 'The landing page still needs the new pricing table and the customer logos.'],
  [139, 'Engineering says the website can ship once the pricing page copy is final.'],
  [147, "Let's schedule a review of the landing page copy with the design team on Tuesday."],
  [155, 'The pricing page should show the enterprise plan first, because that is where revenue comes from.'],
  [164, 'We should also test the website launch on mobile browsers before March.'],
  [172, 'Action item: Tom will set up the staging website by end of week.'],
  [180, 'The launch announcement goes out by email and on the blog the same morning.'],
  [188, 'Please send the launch email draft to marketing by Thursday.'],
  [196, 'The website analytics dashboard should track signups from the landing page.'],
  [205, 'That covers the website launch.'],
  // topic 3: hiring for the mobile app (220–360 s)
  [222, 'Last topic: hiring for the mobile app.'],
  [227, 'The mobile app team is two developers short since the summer.'],
  [234, 'We need to hire a senior mobile developer who knows Swift and Kotlin.'],
  [242, 'Recruiting has twelve candidates for the mobile developer role in the pipeline.'],
  [250, 'The interview loop for mobile developers takes three weeks right now, which is too slow.'],
  [259, 'John will follow up with recruiting about a shorter interview loop.'],
  [266, 'The mobile app roadmap depends on hiring, so the offline mode may slip to the summer.'],
  [275, 'Candidates ask about remote work, so the mobile developer job post should say remote is fine.'],
  [284, 'TODO: update the job post for the mobile developer role.'],
  [291, 'Thanks everyone, see you next week.'],
];

export const MEETING_SEGMENTS: TimedSegment[] = LINES.map(([start, text], i) => {
  const next = LINES[i + 1]?.[0] ?? start + 6;
  return { start, end: Math.min(next - 0.4, start + text.split(' ').length * 0.42), text };
});

export const MEETING_DURATION = 300;

export const MEETING_FRAMES: FrameText[] = [
  {
    t: 2,
    text: 'Q3 Quarterly Report - Google Sheets — Mozilla Firefox\nhttps //docs.google.com/spreadsheets/d/1abc/edit\nRevenue  Budget  Marketing spend\nEnterprise plan 1.2M',
  },
  {
    t: 40,
    text: 'Q3 Quarterly Report - Google Sheets — Mozilla Firefox\nhttps://docs.google.com/spreadsheets/d/1abc/edit\nRevenue  Budget  Marketing spend\nTrade show 120k',
  },
  {
    t: 118,
    text: 'Landing page v3 – Figma\nfigma.com/file/XYZ/landing-page\nPricing  Customers  Sign up\nStart your free trial today.',
  },
  {
    t: 150,
    text: 'Iris — pricing - Google Chrome\nwww.iris.example/pricing.\nEnterprise plan  Team plan  Free',
  },
  {
    t: 230,
    text: '# hiring | Slack\nJohn: twelve candidates in the pipeline for the mobile developer role\nSarah: job post draft in the doc',
  },
];
