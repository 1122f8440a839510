META
key;value
description;Five voters, three projects: a tie, a skip and a shortfall
budget;1000
currency;PLN
vote_type;approval
PROJECTS
project_id;cost;name
p1;600;Sports hall with a roof, a climbing wall and a sauna for everyone
p2;500;Park
p3;300;Library
VOTES
voter_id;vote
1;p1,p2
2;p1,p2
3;p1,p3
4;p2
5;p3
