META
key;value
description;Roosevelt High School participatory budget (example)
country;United States
unit;Roosevelt High School
instance;2026
num_projects;8
num_votes;50
budget;30000
vote_type;approval
rule;greedy
min_length;1
max_length;4
language;en
currency;USD
PROJECTS
project_id;cost;name;category
1;12000;Shade structure over the playground;environment
2;4500;Water bottle refill stations in every hallway;health
3;8000;Library books in Spanish and English;education
4;3000;Bike racks by the main entrance;transport
5;15000;Makerspace with 3D printers;education
6;2500;Garden beds for the science classes;environment
7;6000;Quiet room for students who need a break;health
8;9500;New instruments for the school band;culture
VOTES
voter_id;vote;group
1;1,2,4,7;student
2;1,2,3,4;student
3;6,8;student
4;1,2,3,5;student
5;2,3,4,7;student
6;2,5;student
7;2,4,7;student
8;1,6;student
9;2,7;student
10;4,5,7;student
11;1,2,3,5;student
12;1,2,7;student
13;1,4,5,6;student
14;2,3,5;student
15;4;student
16;1,2,3,5;student
17;1,2,3,4;student
18;2,3,5,6;student
19;2,3,4,5;student
20;1,4,6;student
21;3,5;student
22;1,2;student
23;1,2,3,4;student
24;2,7,8;student
25;1,2;family
26;1,7;family
27;1,8;family
28;1,2,5;family
29;1,2,3,4;family
30;1,4,5,6;family
31;1,2,3,5;family
32;1,6,7,8;family
33;1,3,7;family
34;3,5,6;family
35;8;family
36;4;family
37;2,3,5,6;family
38;1,2,3,7;family
39;1,2,4,6;educator
40;3,5,6,7;educator
41;3,5,7;educator
42;1,3,4,6;educator
43;5;educator
44;1,3,4,8;educator
45;2,5,8;educator
46;1,2,3,4;educator
47;1,3,5,6;community partner
48;1,4,7;community partner
49;1,2;community partner
50;5,6,7,8;community partner
