/**
 * English function words and conversational fillers. Used to split keyphrase
 * candidates (RAKE) and to keep similarity measures about content. Speech adds its own
 * noise words ("um", "okay", "gonna") that a written-text list would miss; screen text
 * adds UI chrome ("click", "menu") that is handled in keywords.ts, not here.
 */
export const STOPWORDS: ReadonlySet<string> = new Set(
  `a about above across after afterwards again against all almost alone along already also although always am
  among amongst an and another any anybody anyhow anyone anything anyway anywhere are aren't around as at back be
  became because become becomes becoming been before beforehand behind being below beside besides between beyond
  both but by can can't cannot could couldn't did didn't do does doesn't doing don't done down during each either
  else elsewhere enough etc even ever every everybody everyone everything everywhere except few first for former
  formerly from further get gets getting give given go goes going gone got gotten had hadn't has hasn't have haven't
  having he he'd he'll he's her here here's hereafter hereby herein hers herself him himself his how how's however i
  i'd i'll i'm i've ie if in indeed into is isn't it it's its itself just last latter least less let let's like
  likely made make makes making many may maybe me meanwhile might mine more moreover most mostly much must my myself
  namely neither never nevertheless next no nobody none noone nor not nothing now nowhere of off often on once one
  only onto or other others otherwise our ours ourselves out over own per perhaps please put quite rather re really
  said same say says see seem seemed seeming seems several she she'd she'll she's should shouldn't since so some
  somehow someone something sometime sometimes somewhere still such take than that that's the their theirs them
  themselves then thence there there's thereafter thereby therefore therein these they they'd they'll they're
  they've thing things this those though through throughout thru thus to together too toward towards under until up
  upon us use used using very via want was wasn't way we we'd we'll we're we've well were weren't what what's
  whatever when whence whenever where where's whereas whereby wherein whether which while who who's whoever whole
  whom whose why will with within without won't would wouldn't yes yet you you'd you'll you're you've your yours
  yourself yourselves
  um uh erm er ah oh hmm mm okay ok yeah yep nope right gonna wanna gotta kind sort lot lots stuff actually
  basically literally sure thanks thank hi hello hey bye guys everybody today tomorrow yesterday morning week time
  times good great need needs know think mean going look looks want wants come comes came two three four five six
  seven eight nine ten new also able`
    .split(/\s+/)
    .filter(Boolean),
);

export function isStopword(word: string): boolean {
  return STOPWORDS.has(word.toLowerCase());
}
