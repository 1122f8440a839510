META
key;value
description;Knapsack ballots, two projects accept partial funding
budget;100
vote_type;approval
max_sum_cost;100
PROJECTS
project_id;cost;name;partial_funding
a;60;Alpha;0
b;50;Beta;1
c;40;Gamma;yes
VOTES
voter_id;vote
1;a,c
2;a,b
3;a
4;b,c
