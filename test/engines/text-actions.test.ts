import { describe, expect, it } from 'vitest';
import { classifyAction, detectActions } from '../../src/engines/text/actions.js';
import { MEETING_FRAMES, MEETING_SEGMENTS } from './text-fixtures.js';

describe('action items by rule', () => {
  const actions = detectActions({ segments: MEETING_SEGMENTS, frames: MEETING_FRAMES });
  const find = (fragment: string) => actions.find((a) => a.text.includes(fragment));

  it('finds the tasks of a meeting with when they were said, who and by when', () => {
    expect(find('can you add a short section')).toMatchObject({
      trigger: 'request',
      owner: 'Sarah',
      start: 46,
      source: 'transcript',
    });
    const send = find('send it to finance');
    expect(send).toMatchObject({ trigger: 'will', due: 'by Friday' });
    // Second sentence of its segment: its time is interpolated inside [58, end].
    expect(send!.start).toBeGreaterThan(58);
    expect(send!.start).toBeLessThan(62);
    expect(find('need to review the budget')).toMatchObject({ trigger: 'need to', start: 66 });
    expect(find("Let's schedule a review")).toMatchObject({
      trigger: "let's",
      due: 'on Tuesday',
      start: 147,
    });
    expect(find('Tom will set up the staging website')).toMatchObject({
      owner: 'Tom',
      due: 'by end of week',
      start: 172,
    });
    expect(find('Please send the launch email')).toMatchObject({
      trigger: 'please',
      due: 'by Thursday',
      start: 188,
    });
    expect(find('John will follow up')).toMatchObject({ trigger: 'follow up', owner: 'John', start: 259 });
    expect(find('TODO: update the job post')).toMatchObject({ trigger: 'todo', start: 284 });
  });

  it('leaves out descriptions, conditions and small talk', () => {
    expect(find('pricing page should show')).toBeUndefined(); // a description, not a task
    expect(find('If we need to')).toBeUndefined();
    expect(find('good morning')).toBeUndefined();
    expect(find('revenue grew')).toBeUndefined();
    expect(actions.map((a) => a.start)).toEqual([...actions.map((a) => a.start)].sort((a, b) => a! - b!));
  });

  it.each([
    ['We need to migrate the database before the release.', 'need to'],
    ['Could you send me the slides after the call?', 'request'],
    ["Don't forget to renew the SSL certificate.", 'reminder'],
    ['Action item: Priya to draft the security review.', 'action item'],
    ['Next steps are a pilot with two customers.', 'next step'],
    ["I'll email the vendor about the contract by March 3rd.", 'will'],
    ['Someone should check the backups.', 'should'],
    ['The ticket is assigned to Maria.', 'assigned'],
  ])('detects %j as %s', (text, trigger) => {
    expect(classifyAction(text)?.trigger).toBe(trigger);
  });

  it.each([
    'The weather was great on the trip.',
    'There is no need to worry about the outage.',
    'You should have seen the demo yesterday.',
    'If we need to, we can roll back.',
    "Let's see what the data says.",
    'The dashboard should load in two seconds.',
    'Do we really need to do this?',
    'We needed to restart the server twice.',
  ])('does not take %j for an action', (text) => {
    expect(classifyAction(text)).toBeUndefined();
  });

  it('reads only explicit markers on screen, and handles unpunctuated speech', () => {
    const onScreen = detectActions({
      frames: [
        { t: 12, text: 'Please sign in to continue\n[ ] write release notes\nTODO: fix flaky login test' },
      ],
    });
    expect(onScreen.map((a) => [a.text, a.trigger, a.start])).toEqual([
      ['[ ] write release notes', 'checkbox', 12],
      ['TODO: fix flaky login test', 'todo', 12],
    ]);
    const spoken = detectActions({
      segments: [
        { start: 3.2, end: 6, text: 'so the demo went well' },
        { start: 7.1, end: 10.4, text: 'we need to send the invoice to the customer by friday' },
      ],
    });
    expect(spoken).toEqual([
      {
        text: 'we need to send the invoice to the customer by friday',
        trigger: 'need to',
        source: 'transcript',
        due: 'by friday',
        start: 7.1,
        end: 10.4,
      },
    ]);
  });
});
