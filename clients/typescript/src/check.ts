// Uses the generated types the way a frontend would, so that a schema change that keeps the
// operations valid but changes what they return (a field's type, its nullability, an enum value)
// also fails the type check.
import type { ResultOf, VariablesOf } from "@graphql-typed-document-node/core";
import {
  ProposalTallyDocument,
  RefetchDocument,
  StatePositionDocument,
  WorkshopListDocument,
  WorkshopPageDocument,
  type RejectionCode,
  type Stance,
} from "../generated/graphql";

type Tally = ResultOf<typeof ProposalTallyDocument>["proposalTally"];

/** "3 of 5 for, 1 against": what a live screen shows under a proposal. */
export function tallyLine(tally: Tally): string {
  const supports: number = tally.support + tally.supportWithReservations;
  const verdict: boolean = tally.wouldPass && tally.quorumMet;
  return `${supports} of ${tally.eligible} for, ${tally.oppose} against${verdict ? " (passing)" : ""}`;
}

/** Every stance a partner may choose, exhaustively. */
export function stanceLabel(stance: Stance): string {
  switch (stance) {
    case "SUPPORT":
      return "Favorevole";
    case "SUPPORT_WITH_RESERVATIONS":
      return "Favorevole con riserva";
    case "ABSTAIN":
      return "Astenuto";
    case "OPPOSE":
      return "Contrario";
  }
}

/** Why a proposal fails, exhaustively over the enum the server declares. */
export function rejectionLabel(code: RejectionCode): string {
  switch (code) {
    case "NO_ELIGIBLE_ORGANIZATION":
      return "no eligible organization";
    case "QUORUM_NOT_MET":
      return "quorum not met";
    case "OPPOSITION":
      return "opposition";
    case "NO_SUPPORT":
      return "no support";
    case "NOT_UNANIMOUS":
      return "not unanimous";
    case "MAJORITY_NOT_REACHED":
      return "majority not reached";
    case "THRESHOLD_NOT_REACHED":
      return "threshold not reached";
  }
}

/** The variables of a vote, as a form builds them. */
export function vote(proposalId: string, stance: Stance, rationale: string | null, idempotencyKey: string): VariablesOf<typeof StatePositionDocument> {
  return { input: { proposalId, stance, rationale, idempotencyKey } };
}

/** The cursor for the next page of workshops, if any. */
export function nextPage(result: ResultOf<typeof WorkshopListDocument>): string | null {
  return result.workshops.pageInfo.hasNextPage ? (result.workshops.pageInfo.endCursor ?? null) : null;
}

/** The open proposals of a workshop page (fields inside a workshop may be null: forbidden). */
export function openProposals(result: ResultOf<typeof WorkshopPageDocument>): string[] {
  const edges = result.workshop?.proposals?.edges ?? [];
  return edges.filter((edge) => edge.node.status === "OPEN").map((edge) => edge.node.title);
}

/** What a refetch found, by kind. */
export function refetched(result: ResultOf<typeof RefetchDocument>): string[] {
  return result.nodes.map((node) => {
    if (node === null || node === undefined) return "unknown or forbidden";
    switch (node.__typename) {
      case "Proposal":
        return `proposal ${node.title} (${node.proposalStatus})`;
      case "Session":
        return `session ${node.title} at ${node.startsAt}`;
      case "Contribution":
        return `contribution ${node.title}`;
      default:
        return node.id;
    }
  });
}
